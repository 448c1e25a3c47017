"""The cue words that frame an English clause (NegEx-style: Chapman et al., 2001): what
negates, tells of the past or of someone else, supposes, asks in general, plays down or jokes.

`clauses.py` cuts a message into clauses and reads these; each pattern is one kind of cue,
so a clinic's reviewer can see what is read as "not happening now" and why.
"""

from __future__ import annotations

import re

# "not" and "didn't" negate what follows, except where the absence is the emergency
# ("not breathing", "didn't wake up", "bleeding is not stopping").
ABSENCE = (
    r"breathing|breath|able|waking|wake|responding|respond|moving|move|stopping|stop|going away"
    r"|go away|getting better|get better|improving|improve|sure|working|work|well|making sense"
    r"|coming back|conscious|awake|right|helping|help|slowing|slow|clotting|answering|answer"
    r"|eating|drinking|peeing|weeing|passing|feel my|see|seeing|talking|speaking|make sense"
    r"|slowed|stopped|eased|improved|gone down|let up|clotted|come back|came back"
    r"|normal|okay|ok|myself|themselves|herself|himself|want|wanna|know|cope|coping|handle"
    r"|live|living|be here|go on|going on|care|the"
)
NEGATION = re.compile(
    r"\b(?:no(?! (?:matter|one|idea|longer|way|clue|point|reason|more|end|sooner|doubt|longer))"
    r"|without|none|never|nor|neither|denies|nothing(?:'?s)?|zero"
    rf"|not (?:really |at all |even |any )?(?!(?:{ABSENCE})\b)\w+"
    r"|(?:isn'?t|aren'?t|wasn'?t|weren'?t|didn'?t|haven'?t|hasn'?t|don'?t|doesn'?t|do not"
    rf"|does not) (?:really |even |got |have |get |feel |seem )?(?!(?:{ABSENCE})\b)\w+)\b"
    r"|\b(?:is|are|seems?|feels?|looks?|was|all|everything(?:'s| is)?|vision|sight|eyesight"
    r"|breathing|temp|temperature|obs|wound|scar|speech|swallowing)"
    r" (?:totally |completely |all |really )?(?:fine|ok|okay|normal|good|great|perfect|clear"
    r"|easy|healthy|clean|intact|symmetrical)\b"
    # "i can breathe normally", "she's talking normally", "fully awake and responding"
    r"|\b(?:can|i'm|i am|she's|he's|she can|he can|they can|we can|is|are)"
    r" (?:breathe|breathing|talk|talking|speak|speaking|swallow|swallowing|see|seeing|think"
    r"|thinking|walk|walking|move|moving) (?:totally |completely |all )?(?:normally|fine|ok"
    r"|okay|clearly|easily|well|normal|properly)\b"
    r"|\b(?:fully |wide )?awake and (?:responding|talking|chatting)\b|\ball intact\b"
    r"|\bstill (?:together|closed|intact)\b"
    r"|\bdoing (?:really |very |so |super )?(?:well|great|fine|ok|okay|good|alright)\b"
    # the apostrophe typed or not: "my breathing's fine", "visions fine", "shes ok"
    r"|\b(?!(?:was|has|does|this|thus)\b)[a-z]{3,}'?s (?:totally |completely |all |still )?"
    r"(?:fine|ok|okay|normal|perfect|clear)\b"
    r"|\b(?:a |the )?normal (?:colou?r|size|temperature|temp)\b"
    r"|\bcan see (?:fine|ok|okay|normally|perfectly|clearly)\b|\bbreathing normally\b",
    re.IGNORECASE,
)
PAST = re.compile(
    r"\b(?:\d+|a|an|one|two|three|four|five|six|ten|few|couple of|several|many) (?:years?|yrs?"
    r"|months?) (?:ago|back|before)\b|\blast (?:year|month|summer|winter|spring|autumn)\b"
    r"|\b(?:in |since )?(?:19|20)\d\d\b|\bback in\b|\bhistory of\b|\bused to\b|\bpreviously\b"
    r"|\bin the past\b|\bas a (?:kid|child|teen|teenager)\b"
    r"|\bwhen (?:i|she|he|they|we|my \w+) (?:was|were) (?:younger|young|little|small|a|an|in|\d+)\b"
    # "I've had a reaction like that before", "at my last blood test"
    r"|\b(?:i'?ve|i have|i had|had|have had|has had) (?:\w+ ){1,5}before"
    r"(?=\s*$|\s+(?:where|when|so|too|as well|also|years|ages)\b)"
    r"|\b(?:at|during|after|with|for) my last (?:\w+ ){0,2}(?:test|visit|check|checkup|check-up"
    r"|scan|injection|jab|vaccine|shot|session|surgery|treatment|procedure|operation|op"
    r"|appointment|birth|pregnancy|baby)\b"
    r"|\blast time\b|\byears? ago\b|\b(?:a )?long (?:time )?ago\b|\bages ago\b|\bprevious\b"
    r"|(?<!at )(?<!all at )\bonce\b(?! (?:i|it|the|we|she|he|they|you|my)\b)"
    r"|\bmy (?:last|first|previous|other) (?:\w+ )?(?:session|surgery|treatment|procedure"
    r"|operation|op|time|round|appointment|baby|pregnancy|birth|child)\b"
    r"|\bin (?:my|her|his|their) (?:teens|20s|30s|40s|twenties|thirties|forties)\b"
    r"|\bin the (?:19)?[5-9]0'?s\b|\ba while (?:ago|back)\b"
    # How a story that is over ends: the event passed, the person recovered.
    r"|\b(?:turned out (?:fine|ok|okay|good|well|to be (?:nothing|fine|ok|okay|just|a|an))"
    r"|it passed|passed quickly|went away|cleared up|settled down|settled"
    r"|recovered|healed|(?:she|he|they|i)(?:'s|'re| is| are| was| am|'m) (?:fine|ok|okay|good"
    r"|better|all good) now|better now|fine now|in the end|was fine|were fine|resolved)\b"
    # How a story ends, in a clause of its own: "gone by tuesday", "fixed it on the spot".
    r"|\b(?:(?:gone|went) down (?:now|since)|(?:it'?s |its |it was |they'?re |that'?s )?(?:all )?"
    r"gone (?:now|by \w+)|nothing (?:now|since)|(?:hasn'?t|haven'?t|has not|have not) (?:had"
    r" (?:one|any|it)|happened|come back) since|never again|(?:it|that|this) was (?:\w+ ){0,3}"
    r"(?:ago|back)|(?:they|she|he|the \w+) (?:said|told me|thought) it was|fixed it"
    r"|(?:fixed|sorted|treated|drained) (?:\w+ )?(?:on the spot|right away|straight away|the same"
    r" \w+|that night|in surgery|quickly)|(?:it|they) faded|(?:was|were) (?:ok|okay|fine|all good)"
    r" (?:after|by)|all (?:ok|okay|fine|good) after|pinked up|stopped right away|over within"
    r"|had gone by|(?:it'?s|its|it has) stopped|went (?:away )?after"
    r"|by (?:the )?(?:morning|evening|next day|discharge|\w+day) (?:i|it|she|he|they)"
    r" (?:was|were))\b",
    re.IGNORECASE,
)
# Somebody else's story (not a person the patient is with now), told in the past.
STORY = re.compile(
    r"\b(?:my \w+'?s (?:son|daughter|husband|wife|partner|kid|child|boyfriend|girlfriend|mum|mom"
    r"|mother|dad|father|sister|brother|nan|grandma|aunt|auntie|uncle|cousin)"
    r"|my (?:\w+'?s )?(?:best |close |old )?(?:friend|friends|mate|sister|cousin|neighbour|neighbor"
    r"|aunty|grandad|grandpa|grandma|nana|nan|twin|cat|dog|puppy|kitten"
    r"|colleague|coworker|co-worker|housemate|flatmate|aunt|auntie|uncle|boss|niece|nephew"
    r"|sister in law|sister-in-law|brother in law|friend's|mum's friend|mother's friend|workmate"
    r"|bestie|bff)(?:'?s)?"
    r"|(?<!like )(?<!as if )(?<!as though )someone(?:'?s)?|(?<!like )somebody"
    r"|one of (?:the|my) \w+|friend of mine|an? (?:article|post|review|podcast|video|page|thread"
    r"|story)|(?:the|some|one of the) (?:reviews?|posts?|articles?|videos?)|insta|fb group"
    r"|my \w+s (?:client|ex|friend|mate)"
    r"|a (?:girl|woman|guy|lady|friend|client|patient|mate|bloke|man)|people|celebrit\w+"
    r"|friends?'?s? (?=(?:\w+ ){0,3}(?:told|said|says|reckons|reckoned|had|got|went)\b)"
    r"|influencer|tiktok|instagram|youtube|reddit|forum|the news|youtuber|tiktoker|celeb"
    r"|movie|film|doco|documentary|netflix|character|group chat|facebook group)\b",
    re.IGNORECASE,
)
TOLD = re.compile(
    r"\b(?:had|got|was|were|went|said|says|told|saw|heard|did|ended up|turned|needed|passed out"
    r"|fainted|bled|collapsed|developed|suffered|nearly|almost|died|lost|came|took|fell|broke"
    r"|split|began|became|gave|felt|kept|ran|swelled|swelled up|ended|wound up|reckons|reckoned"
    r"|swears|swore|claims|claimed|couldn'?t|could not|left|read|shows|showed|lasted)\b",
    re.IGNORECASE,
)
PRESENT = re.compile(
    r"\b(?:is|isn'?t|can'?t|cannot|now|right now|still|keeps?|won'?t|currently|at the moment"
    r"|just now|tonight|(?:she'?s|he'?s|they'?re)(?! (?:totally |all )?(?:fine|ok|okay|good|better"
    r"|all good|doing well|recovered|healed))|not answering|won'?t answer)\b",
    re.IGNORECASE,
)
# A question about what might happen ("what if", "in case"): never something happening.
SUPPOSE = re.compile(
    r"\b(?:what if|in case|suppose|supposing|say i|should i ever|what (?:happens|would happen"
    r"|will happen|should i do) (?:if|when)|when should i"
    r"|how (?:do|would|will|can) (?:i|you|we) (?:know|tell|recogni[sz]e|spot)|is there a chance"
    r"|could i get|might i|worried (?:about|that) (?:getting|i might|i could|it might))\b"
    r"|\b(?:scared|worried|afraid|terrified|nervous|anxious) (?:that )?(?:i'?ll|i will|i might"
    r"|it'?ll|it will|it might|my \w+ (?:will|might|could|would))\b"
    r"|^(?:so |ok |okay |and |but )?(?:say|let'?s say|hypothetically|imagine) (?:i|my|the|you|your"
    r"|one|it|someone|a)\b",
    re.IGNORECASE,
)
# A condition ("if my lip goes white"), which self-harm is often said in ("if this isn't
# fixed I'll end it"), so it cancels every concept but that one.
CONDITION = re.compile(
    r"\b(?:if (?:i|my|you|it|the|there|she|he|they|we|someone|a|an|this|that|your|her|his|one"
    r"|any|anything|something|both|either|ever|hes|shes|im|its|theres)"
    r"|if (?:\w+ ){1,2}(?:gets?|goes|comes?|turns?|starts?|happens|develops?) (?:up |on |hard"
    r"|worse|bigger|swollen|white|pale|dark|black|blue)"
    r"|would (?:i|it|he|she|they|you|we)|could it)\b",
    re.IGNORECASE,
)
# "Is it bad if my eye is bulging?" asks about now: not a condition.
ASKING_ABOUT_NOW = re.compile(
    r"\bis (?:it|this|that) (?:\w+ )?(?:bad|normal|ok|okay|serious|dangerous|worrying"
    r"|an emergency|a problem|common|urgent) (?:if|when|that)\b",
    re.IGNORECASE,
)
# A plain "no" to the screening question (C-SSRS): "not feeling suicidal", "I won't hurt
# myself". Only this cancels self-harm; other negations are how people say it.
DENIAL = re.compile(
    r"\b(?:not|never|no|nor|without|isn'?t|wasn'?t|don'?t|do not|am not) (?:really |at all |even "
    r"|been |had |having |feeling |feel |felt |like |any |thoughts? of |thinking (?:of|about) )*"
    r"(?:suicidal|suicide"
    r"|self.?harm|harming myself|hurting myself)\b|\b(?:won'?t|will not|wouldn'?t|would never"
    r"|am not going to|i'm not going to|not going to|never) (?:ever )?(?:hurt|harm|kill) myself\b",
    re.IGNORECASE,
)
# Played down: "just a bit itchy", "only a tiny stitch poking out" (the expected course).
MILD = re.compile(
    r"\b(?:just|only) (?:(?:looks?|looking|feels?|feeling|seems?|is|are) )?(?:a |some )?"
    r"(?:(?:little|tiny|wee|small) )?(?:bit|little|tiny|small|slight|slightly|mild|minor"
    r"|bruis\w*|sore|tired|sleepy|itchy|itching|headache|tender|stiff|achy|pink|pinkish"
    r"|wondering|wanted|checking|asking|curious)\b",
    re.IGNORECASE,
)
# What a played-down clause may still say is wrong: "just a bit of blood but it won't stop".
ALARM = re.compile(
    r"\b(?:can'?t|cannot|won'?t|unable|worse|worsening|spreading|heavy|heavily|severe|suddenly"
    r"|pouring|soaking|black|white|grey|gray|blue|purple|faint\w*|collaps\w*)\b",
    re.IGNORECASE,
)
# Laughter: "my partner nearly fainted when he saw the bill lol".
LAUGH = re.compile(
    r"\b(?:lol|lmao|haha\w*|hehe\w*|jk|rofl|in a good way|obsessed|no regrets)\b"
    r"|😂|🤣|😆|😅|😍|🥰|🤩|😻",
    re.IGNORECASE,
)
# Idioms with alarming words: "this waiting is killing me", "lips to die for".
IDIOM = re.compile(
    r"\b(?:die|dying|died|dead) (?:of|from|with) (?:embarrassment|laughter|laughing|boredom"
    r"|shame|excitement|curiosity|jealousy)\b|\bdying to\b|\bkilling me\b|\bkill for\b"
    r"|\bto die for\b|\bliterally (?:dead|dying|died)\b|\bkill(?:ing)? (?:it|time)\b"
    r"|\bdrop dead gorgeous\b|\bearly grave\b|\bdead (?:serious|set|keen|tired|easy)\b"
    r"|\bkill to\b|\b(?:from|with) (?:excitement|laughing|laughter)\b|\bchok(?:e|es|ed|ing) up\b"
    r"|\b(?:will|gonna|going to|would) kill me\b|\bshoot me\b|\bi'?m dead\b|\bi was dying\b"
    r"|\bhit by a (?:truck|bus)\b|\bheart (?:is |was )?(?:gonna |going to |about to )?burst"
    r"|\b(?:die|died|faint|fainted|pass out|passed out|collapse|collapsed|have a heart attack"
    r"|had a heart attack|gasped|gasping) when (?:she|he|they|you|i|we|everyone|people|my \w+)"
    r" (?:see|sees|saw|hear|hears|heard|find out|finds out|found out|get|gets|got|realised"
    r"|realized)\b"
    r"|\b(?:wallets?|bank accounts?|bank balance|credit cards?|bank|budget|purse|savings)\b"
    r"[^.!?]{0,30}\b(?:heart attack|bleeding|bleed|dying|died|crying|seizure|stroke|fit|meltdown"
    r"|collapsed|can'?t breathe|blue|blotchy|burst|numb)\b"
    r"|\btook my breath away\b|\bbreathless (?:at|from|over|about)\b|\bwith envy\b"
    r"|\bhead is spinning with\b|\beyes are crossing\b|\bat the seams\b"
    r"|\beyes (?:are |were )?bleeding (?:from|after|at|reading|scrolling|looking)\b"
    r"|\bchok(?:e|es|ed|ing) on (?:these|those|the|your|that) (?:prices?|costs?|quotes?|bills?"
    r"|fees?|invoice)\b|\b(?:is|are|keeps?) screaming at me\b"
    r"|\b(?:nearly|almost) (?:fainted|died|passed out|had a heart attack|collapsed) (?:when|at)"
    r" (?:i )?(?:saw|heard|got|read|the) (?:the )?(?:bill|price|quote|invoice|cost)"
    r"|\b(?:kill|murder|strangle) (?:him|her|them|my (?!self)(?:husband|wife|partner|boyfriend"
    r"|girlfriend|kids?|mum|mom|dad|sister|brother|surgeon|doctor|friend|boss))\b",
    re.IGNORECASE,
)
# A question with nobody in it and nothing said to be happening: "is fainting after filler
# common", "does hyaluronidase fix vision loss" ("is it normal to …", "is this an allergic
# reaction" ask about now: "it", "this" and "that" are someone).
IMPERSONAL = re.compile(
    r"^(?:so |and |but |hi |hey |also |just wondering,? |quick question,? )?(?:is|are|does|do"
    r"|should|how|what|what's|whats|why|when|which)\s"
    r"(?!.*\b(?:i|i'm|im|i've|ive|i'd|my|me|mine|we|our|us|she|he|her|his|him|hes|shes|they"
    r"|their|them|you|your|someone|anyone|somebody|it|this|that|these|those|this much|so much"
    r"|like this|now|today|tonight|help|asap|urgent|emergency|please|pls|plz|barely|hardly)\b)",
    re.IGNORECASE,
)
# A definition asked for, with nobody in it: "what is a seizure?", "why do nipples go dark?".
DEFINITION = re.compile(
    r"^(?:so |and |but |hi |hey )?(?:what|why|how|when) (?:is|are|do|does|can|would|could"
    r"|causes)\b(?!.*\b(?:i|i'm|i've|my|me|mine|we|our|us|she|he|her|his|him|they|their)\b)",
    re.IGNORECASE,
)
GENERAL = re.compile(
    r"\b(?:what are (?:the )?(?:warning |early |main )?(?:signs|symptoms|risks|chances|odds)"
    r"|signs of|symptoms of|warning signs|risks? of|chances? of|odds of|how common|how likely"
    r"|how rare|is it possible|possible to get|what causes|what is (?:a |an )?(?:\w+ ){0,2}"
    r"(?:embolism|occlusion|ha?ematoma|ha?emorrhage|sepsis|necrosis|anaphylaxis|dvt|toxicity"
    r"|dehiscence|delirium)|what does (?:\w+ ){1,4}look like|how (?:is|are) (?:\w+ ){1,3}"
    r"(?:treated|diagnosed|prevented)|how (?:to|do you|can you|can i) (?:prevent|avoid|reduce"
    r"|treat|lower)|can (?:\w+ ){1,3}(?:cause|lead to|result in|give you|trigger|make you"
    r"|make your)"
    r"|can (?:\w+ ){1,4}affect|does (?:\w+ ){1,3}(?:cause|lead to"
    r"|increase)|tell me about|statistics|percentage|read (?:that|about|online)|heard (?:that"
    r"|about)|is (?:that|it) (?:common|possible|a thing|likely|usual|rare)|can that happen"
    r"|does that happen|what'?s the (?:chance|risk|likelihood)|is there a link|always serious"
    r"|why do (?:some )?people|red flags?|danger signs|what (?:signs|symptoms)|is it true"
    r"|(?:can|could|does|do|would|will|has) (?:\w+ ){0,3}ever"
    r"|is there (?:any )?way (?:\w+ ){0,3}could"
    r"|(?:does|would|do) (?:that|this|it) count as"
    r"|is (?:\w+ ){1,4}(?:even )?a (?:real )?thing|can (?:\w+ ){1,3}(?:travel|spread|move) and"
    r"|could (?:i|you|someone|a person) (?:go|get|end up) (?:\w+ ){0,2}from|a sign of"
    r"|does everyone|do (?:all|most) people|(?:common|rare|normal|usual|likely|dangerous)"
    r" (?:in|for|among) (?:kids|children|people|women|men|patients|teens|general|most people))\b",
    re.IGNORECASE,
)
NOW = re.compile(
    r"\b(?:right now|now|at the moment|currently|this morning|tonight|today|just now|since"
    r"|keeps?|still|started|getting worse)\b",
    re.IGNORECASE,
)


# How a story that is over ends, anywhere in a message: it frames the message's other
# clauses too ("my friend's scar opened up, she's fine now").
OVER = re.compile(
    r"\b(?:(?:she|he|they|it)(?:'s|'re| is| are| was) (?:fine|ok|okay|good|better|all good"
    r"|healed|all healed)(?: now)?|(?:it|that) (?:resolved|settled|healed|cleared up|went away"
    r"|came back|passed)|turned out (?:fine|ok|okay|good|well|to be)|recovered"
    r"|healed (?:fine|well|up)|all good now|fine in the end"
    r"|had it (?:dissolved|restitched|fixed|treated)|survived|pulled through"
    r"|(?:been |felt )?(?:totally |completely |all )?(?:fine|good|ok|okay|normal) (?:ever )?since"
    r"|(?<!not )(?<!n't )(?<!never )(?:slowing|settling|calming|easing)"
    r" (?:right |right back |back )?down"
    r"|now (?:it'?s |its |there'?s |theres )?(?:only |just )(?:a )?"
    r"(?:few|small|little|tiny|bit|light|spot)"
    r"|(?:just|only) (?:a )?(?:few|small|little|tiny) \w+(?: \w+)? since"
    r"|(?<!not )(?<!n't )(?<!never )(?:resolved|healed)|stopped (?:on its own|after)|all dry"
    r"|(?:it was|that was) (?:a while|ages|years|months|a long time) (?:ago|back)"
    r"|stable now|(?:being|got|was|were|had it) (?:dissolved|treated|seen|looked after)"
    r"|(?:cleared|checked) (?:me|her|him|them|it)(?! out)"
    r"|(?:seeing|saw|called|rang) (?:her|his|their) (?:injector|surgeon|doctor|dr|gp|nurse)"
    r"|(?:taking|took|driving|drove) (?:her|him|them)"
    r" to (?:hospital|the hospital|ed|emergency))\b",
    re.IGNORECASE,
)


# A question that plans for a procedure to come ("should I tell my surgeon before my BBL?",
# "am I at higher risk?"): what the message tells in the past tense is history.
PLANNING = re.compile(
    r"\b(?:(?:before|ahead of) (?:my|the|a|an|his|her|our) (?:upcoming |next |future |planned "
    r"|new )?(?:surgery|op|operation|procedure|consult|consultation|bbl|lipo|liposuction"
    r"|tummy tuck|facelift|rhinoplasty|bleph|blepharoplasty|augmentation|implants|filler"
    r"|injections?|botox|treatment)|for (?:my|the|a|an|his|her|our) (?:upcoming|next|future"
    r"|planned) \w+|next (?:month|year|time|one)|upcoming|(?:at|of) (?:a )?(?:higher|more"
    r"|greater|extra|increased) risk|is it (?:still )?safe (?:for me )?to have"
    r"|(?:would|will) (?:i|he|she|they) (?:still )?be (?:ok|okay|fine|able|allowed) to have"
    r"|can i still (?:have|get)|am i (?:still )?(?:a )?(?:good )?candidate"
    r"|nervous to (?:try|have|get))\b",
    re.IGNORECASE,
)


# What to do, asked right after a supposition or condition ("if I get short of breath on
# the flight, what do I do?"): the question belongs to the supposition.
WHAT_TO_DO = re.compile(
    r"^(?:so |and |then )?(?:what (?:should|do|would|can|must) (?:i|we|she|he|they|you) do"
    r"|what do (?:i|we) do|who (?:should|do) (?:i|we) (?:call|ring|contact)|what now"
    r"|where (?:should|do) (?:i|we) go|should (?:i|we) (?:call|ring|go|come)"
    r"|is (?:that|it|this) (?:an emergency|urgent|serious|bad|normal|dangerous|a|an))\b",
    re.IGNORECASE,
)


# What ends the reach of a past or story frame across "and": the clause is told in the
# present ("and I'm thinking about it again", "and now …", "and I have the pills").
TOLD_NOW = re.compile(
    r"\bagain\b|\b(?:i'm|i am|she's|he's|it's|they're|we're) \w+ing\b"
    r"|\b(?:i|we|they) (?:want|need|have|feel|can't|cannot|keep)\b"
    r"|\b(?:she|he|it) (?:wants|needs|has|feels|keeps|can't|cannot)\b|\b(?:has|have)\b",
    re.IGNORECASE,
)
TOLD_THEN = re.compile(r"\b\w{3,}ed\b")  # "dropped", "fainted": a past tense, as `TOLD`


# A clause that only gives an example of the one before ("what if I react to the tox,
# like trouble swallowing?"): it is read in that one's frame.
EXAMPLE = re.compile(
    r"^(?:like|such as|e\.?g\.?|for example|for instance|or|nor|including)\b", re.IGNORECASE
)


# A bare "no" after a question answers it: the question's sign is denied.
NO_ANSWER = re.compile(r"(?:nope|no|nah|none|not really|negative|nil|not at all)\W*", re.IGNORECASE)
