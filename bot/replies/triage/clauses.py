"""Cutting an English message into clauses and reading each clause's frame.

A red flag is judged clause by clause, so a long message cannot dilute it ("had my lips
done tuesday, love them, but the top lip has gone white"), and a cue that cancels one
clause ("no fever") does not cancel the next ("but the wound has opened"). The cues follow
NegEx (Chapman et al., 2001): a clause that negates, tells of the past, supposes, or asks
for general knowledge does not describe something happening now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# Emoji and shorthand people type when frightened, as words the model knows.
_EMOJI = {
    "🩸": " blood ",
    "🆘": " help emergency ",
    "😵‍💫": " dizzy ",
    "😵": " dizzy faint ",
    "🤮": " vomiting ",
    "🤢": " nauseous ",
    "🥵": " fever hot ",
    "🤒": " fever ",
    "💊": " pills ",
    "🔪": " knife ",
    "🫁": " lungs breathing ",
    "👁": " eye ",
    "💔": " heartbroken ",
}
_SHORTHAND = [
    (r"\bcant\b", "can't"),
    (r"\bcnt\b", "can't"),
    (r"\bwont\b", "won't"),
    (r"\bdont\b", "don't"),
    (r"\bim\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bu\b", "you"),
    (r"\bpls\b|\bplz\b", "please"),
    (r"\bkms\b", "kill myself"),
    (r"\bunalive\b", "kill"),
    (r"\bsh\b", "self harm"),
]
_SHORTHAND_RE = [(re.compile(p), r) for p, r in _SHORTHAND]

# Where one clause ends and the next begins.
_BREAKS = re.compile(
    r"[.!?;\n]+|,\s+|\s+[-–—]\s+|\b(?:but|however|although|though|except|whereas|and now|and then"
    r"|now|then|since then|but now)\b"
    # "and" before a new subject starts a new clause: "i overdosed last year and i want to
    # do it again" (the past cue must not reach the second clause).
    r"|\band (?=(?:i|i'm|im|i've|my|me|she|she's|he|he's|it|it's|they|they're|there's|today"
    r"|tonight|this|suddenly|all of a sudden)\b)",
    re.IGNORECASE,
)

# "not" and "didn't" negate what follows, except where the absence is the emergency
# ("not breathing", "didn't wake up", "bleeding is not stopping").
_ABSENCE = (
    r"breathing|breath|able|waking|wake|responding|respond|moving|move|stopping|stop|going away"
    r"|go away|getting better|get better|improving|improve|sure|working|work|well|making sense"
    r"|coming back|conscious|awake|right|helping|help|slowing|slow|clotting|answering|answer"
    r"|eating|drinking|peeing|weeing|passing|feel my|see|seeing|talking|speaking|make sense"
    r"|slowed|stopped|eased|improved|gone down|let up|clotted|come back|came back"
    r"|normal|okay|ok|myself|themselves|herself|himself|want|wanna|know|cope|coping|handle"
    r"|live|living|be here|go on|going on|care"
)
_NEGATION = re.compile(
    r"\b(?:no(?! (?:matter|one|idea|longer|way|clue|point|reason|more|end|sooner|doubt|longer))"
    r"|without|none|never|nor|neither|denies|nothing|zero"
    rf"|not (?:really |at all |even |any )?(?!(?:{_ABSENCE})\b)\w+"
    r"|(?:isn'?t|aren'?t|wasn'?t|weren'?t|didn'?t|haven'?t|hasn'?t|don'?t|doesn'?t|do not"
    rf"|does not) (?:really |even |got |have |get |feel |seem )?(?!(?:{_ABSENCE})\b)\w+)\b"
    r"|\b(?:is|are|seems?|feels?|looks?|was|all|everything(?:'s| is)?|vision|sight|eyesight"
    r"|breathing|temp|temperature|obs|wound|scar|speech|swallowing)"
    r" (?:totally |completely |all )?(?:fine|ok|okay|normal|good|great|perfect|clear)\b"
    r"|\bcan see (?:fine|ok|okay|normally|perfectly|clearly)\b|\bbreathing normally\b",
    re.IGNORECASE,
)
_PAST = re.compile(
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
    r"|\byears? ago\b|\b(?:a )?long (?:time )?ago\b|\bages ago\b|\bprevious\b"
    r"|(?<!at )(?<!all at )\bonce\b(?! (?:i|it|the|we|she|he|they|you|my)\b)"
    r"|\bmy (?:last|first|previous|other) (?:\w+ )?(?:session|surgery|treatment|procedure"
    r"|operation|op|time|round|appointment|baby|pregnancy|birth|child)\b"
    r"|\bin my (?:teens|20s|30s|40s|twenties|thirties|forties)\b|\ba while (?:ago|back)\b"
    # How a story that is over ends: the event passed, the person recovered.
    r"|\b(?:turned out|it passed|passed quickly|went away|cleared up|settled down|settled"
    r"|recovered|healed|(?:she|he|they|i)(?:'s|'re| is| are| was| am|'m) (?:fine|ok|okay|good"
    r"|better|all good) now|better now|fine now|in the end|was fine|were fine|resolved)\b",
    re.IGNORECASE,
)
# Somebody else's story (not a person the patient is with now), told in the past.
_STORY = re.compile(
    r"\b(?:my \w+'?s (?:son|daughter|husband|wife|partner|kid|child|boyfriend|girlfriend|mum|mom"
    r"|mother|dad|father|sister|brother|nan|grandma|aunt|auntie|uncle|cousin)"
    r"|my (?:\w+'?s )?(?:best |close |old )?(?:friend|friends|mate|sister|cousin|neighbour|neighbor"
    r"|aunty|grandad|grandpa|grandma|nana|nan|twin|cat|dog|puppy|kitten"
    r"|colleague|coworker|co-worker|housemate|flatmate|aunt|auntie|uncle|boss|niece|nephew"
    r"|sister in law|sister-in-law|brother in law|friend's|mum's friend|mother's friend|workmate"
    r"|bestie|bff)(?:'?s)?"
    r"|(?<!like )(?<!as if )(?<!as though )someone|(?<!like )somebody"
    r"|a (?:girl|woman|guy|lady|friend|client|patient|mate|bloke|man)|people|celebrit\w+"
    r"|influencer|tiktok|instagram|youtube|reddit|forum|the news|youtuber|tiktoker|celeb"
    r"|movie|film|doco|documentary|netflix|character|group chat|facebook group)\b",
    re.IGNORECASE,
)
_TOLD = re.compile(
    r"\b(?:had|got|was|were|went|said|says|told|saw|heard|did|ended up|turned|needed|passed out"
    r"|fainted|bled|collapsed|developed|suffered|nearly|almost|died|lost|came|took|fell|broke"
    r"|split|began|became|gave|felt|kept|ran|swelled|swelled up|ended|wound up)\b",
    re.IGNORECASE,
)
_PRESENT = re.compile(
    r"\b(?:is|isn'?t|can'?t|cannot|now|right now|still|keeps?|won'?t|currently|at the moment"
    r"|just now|tonight|she'?s|he'?s|they'?re|not answering|won'?t answer)\b",
    re.IGNORECASE,
)
# A question about what might happen ("what if", "in case"): never something happening.
_SUPPOSE = re.compile(
    r"\b(?:what if|in case|suppose|supposing|say i|should i ever|what (?:happens|would happen"
    r"|will happen|should i do) (?:if|when)|when should i"
    r"|how (?:do|would|will|can) (?:i|you|we) (?:know|tell|recogni[sz]e|spot)|is there a chance"
    r"|could i get|might i|worried (?:about|that) (?:getting|i might|i could|it might))\b"
    r"|^(?:so |ok |okay |and |but )?(?:say|let'?s say|hypothetically|imagine) (?:i|my|the|you|your"
    r"|it|someone|a)\b",
    re.IGNORECASE,
)
# A condition ("if my lip goes white"), which self-harm is often said in ("if this isn't
# fixed I'll end it"), so it cancels every concept but that one.
_CONDITION = re.compile(
    r"\b(?:if (?:i|my|you|it|the|there|she|he|they|we|someone|a|an|this|that|your|her|his)"
    r"|would (?:i|it|he|she|they|you|we)|could it)\b",
    re.IGNORECASE,
)
# "Is it bad if my eye is bulging?" asks about now: not a condition.
_ASKING_ABOUT_NOW = re.compile(
    r"\bis (?:it|this|that) (?:\w+ )?(?:bad|normal|ok|okay|serious|dangerous|worrying"
    r"|an emergency|a problem|common|urgent) (?:if|when|that)\b",
    re.IGNORECASE,
)
# A plain "no" to the screening question (C-SSRS): "not feeling suicidal", "I won't hurt
# myself". Only this cancels self-harm; other negations are how people say it.
_DENIAL = re.compile(
    r"\b(?:not|never|no|nor|without|isn'?t|wasn'?t|don'?t|do not|am not) (?:really |at all |even "
    r"|been |had |having |feeling |feel |felt |like |any |thoughts? of |thinking (?:of|about) )*"
    r"(?:suicidal|suicide"
    r"|self.?harm|harming myself|hurting myself)\b|\b(?:won'?t|will not|wouldn'?t|would never"
    r"|am not going to|i'm not going to|not going to|never) (?:ever )?(?:hurt|harm|kill) myself\b",
    re.IGNORECASE,
)
# Laughter: "my partner nearly fainted when he saw the bill lol".
_LAUGH = re.compile(r"\b(?:lol|lmao|haha\w*|hehe\w*|jk|rofl)\b|😂|🤣|😆|😅", re.IGNORECASE)
# Idioms with alarming words: "this waiting is killing me", "lips to die for".
_IDIOM = re.compile(
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
    r"|\b(?:wallet|bank account|bank balance|credit card|bank|budget|purse)\b[^.!?]{0,30}"
    r"\b(?:heart attack|bleeding|dying|died|crying)\b"
    r"|\b(?:nearly|almost) (?:fainted|died|passed out|had a heart attack|collapsed) (?:when|at)"
    r" (?:i )?(?:saw|heard|got|read|the) (?:the )?(?:bill|price|quote|invoice|cost)"
    r"|\b(?:kill|murder|strangle) (?:him|her|them|my (?!self)(?:husband|wife|partner|boyfriend"
    r"|girlfriend|kids?|mum|mom|dad|sister|brother|surgeon|doctor|friend|boss))\b",
    re.IGNORECASE,
)
# A definition asked for, with nobody in it: "what is a seizure?", "why do nipples go dark?".
_DEFINITION = re.compile(
    r"^(?:so |and |but |hi |hey )?(?:what|why|how|when) (?:is|are|do|does|can|would|could"
    r"|causes)\b(?!.*\b(?:i|i'm|i've|my|me|mine|we|our|us|she|he|her|his|him|they|their)\b)",
    re.IGNORECASE,
)
_GENERAL = re.compile(
    r"\b(?:what are (?:the )?(?:warning |early |main )?(?:signs|symptoms|risks|chances|odds)"
    r"|signs of|symptoms of|warning signs|risks? of|chances? of|odds of|how common|how likely"
    r"|how rare|is it possible|possible to get|what causes|what is (?:a |an )?(?:\w+ ){0,2}"
    r"(?:embolism|occlusion|ha?ematoma|ha?emorrhage|sepsis|necrosis|anaphylaxis|dvt|toxicity"
    r"|dehiscence|delirium)|what does (?:\w+ ){1,4}look like|how (?:is|are) (?:\w+ ){1,3}"
    r"(?:treated|diagnosed|prevented)|how (?:to|do you|can you|can i) (?:prevent|avoid|reduce"
    r"|treat|lower)|can (?:\w+ ){1,3}(?:cause|lead to|result in|give you|trigger|make you)"
    r"|can (?:\w+ ){1,4}affect|does (?:\w+ ){1,3}(?:cause|lead to"
    r"|increase)|tell me about|statistics|percentage|read (?:that|about|online)|heard (?:that"
    r"|about)|is (?:that|it) (?:common|possible|a thing|likely|usual|rare)|can that happen"
    r"|does that happen|what'?s the (?:chance|risk|likelihood)|is there a link|always serious"
    r"|why do (?:some )?people|red flags?|danger signs|what (?:signs|symptoms)|is it true"
    r"|(?:can|could|does|do|would|will|has) (?:\w+ ){0,3}ever"
    r"|is there (?:any )?way (?:\w+ ){0,3}could"
    r"|is (?:\w+ ){1,4}(?:even )?a (?:real )?thing|can (?:\w+ ){1,3}(?:travel|spread|move) and"
    r"|could (?:i|you|someone|a person) (?:go|get|end up) (?:\w+ ){0,2}from|a sign of"
    r"|does everyone|do (?:all|most) people|(?:common|rare|normal|usual|likely|dangerous)"
    r" (?:in|for|among) (?:kids|children|people|women|men|patients|teens|general|most people))\b",
    re.IGNORECASE,
)
_NOW = re.compile(
    r"\b(?:right now|now|at the moment|currently|this morning|tonight|today|just now|since"
    r"|keeps?|still|started|getting worse)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clause:
    """One clause of a message and what frames it."""

    text: str
    span: tuple[int, int] = (0, 0)  # where it stands in the normalised message
    negated: bool = False
    past: bool = False
    hypothetical: bool = False  # a question about what might happen
    general: bool = False
    conditional: bool = False
    figurative: bool = False  # laughing
    idiom: bool = False
    denial: bool = False  # "not feeling suicidal"

    @property
    def about_now(self) -> bool:
        """Whether the clause may describe something happening to someone now."""
        return not (
            self.negated
            or self.past
            or self.hypothetical
            or self.general
            or self.conditional
            or self.figurative
            or self.idiom
        )

    @property
    def may_be_self_harm(self) -> bool:
        """Self-harm is said with negations ("I don't want to be here"), conditions ("if
        this isn't fixed I'll end it") and even a laugh; only a past, supposing or general
        frame cancels it."""
        return not (self.past or self.general or self.hypothetical or self.idiom or self.denial)


def normalise(message: str) -> str:
    """Emoji as words, curly apostrophes straight, common chat shorthand expanded."""
    text = message
    for emoji, words in _EMOJI.items():
        text = text.replace(emoji, words)
    text = re.sub(r"[’‘ʼ`´]", "'", text.casefold())
    for pattern, replacement in _SHORTHAND_RE:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def frame(text: str, span: tuple[int, int] = (0, 0)) -> Clause:
    """The clause with its cues read (`span`: where it stands in its message)."""
    general = bool(_GENERAL.search(text) or _DEFINITION.search(text)) and not _NOW.search(text)
    story = bool(_STORY.search(text)) and _told(text) and not _PRESENT.search(text)
    return Clause(
        text,
        span,
        negated=bool(_NEGATION.search(text)),
        past=bool(_PAST.search(text)) or story,
        hypothetical=bool(_SUPPOSE.search(text)),
        general=general,
        conditional=bool(_CONDITION.search(_ASKING_ABOUT_NOW.sub(" ", text))),
        figurative=bool(_LAUGH.search(text)),
        idiom=bool(_IDIOM.search(text)),
        denial=bool(_DENIAL.search(text)),
    )


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clause spans of text[start:end], stripped of spaces and commas."""
    while start < end and text[start] in " ,":
        start += 1
    while end > start and text[end - 1] in " ,":
        end -= 1
    piece = text[start:end]
    if len(piece) < 3:
        return []
    if " and " in piece and _NEGATION.search(piece):  # "no fever and my lip is white"
        spans, at = [], start
        for part in piece.split(" and "):
            spans += [s for s in _pieces(text, at, at + len(part)) if s[1] - s[0] >= 3]
            at += len(part) + len(" and ")
        return spans
    return [(start, end)]


def split(text: str) -> list[tuple[int, int]]:
    """Where the clauses of a normalised message stand; a negated clause is also split at
    "and"."""
    spans: list[tuple[int, int]] = []
    at = 0
    for brk in _BREAKS.finditer(text):
        spans += _pieces(text, at, brk.start())
        at = brk.end()
    return spans + _pieces(text, at, len(text))


# How a story that is over ends, anywhere in a message: it frames the message's other
# clauses too ("my friend's scar opened up, she's fine now").
_OVER = re.compile(
    r"\b(?:(?:she|he|they|it)(?:'s|'re| is| are| was) (?:fine|ok|okay|good|better|all good"
    r"|healed|all healed)(?: now)?|(?:it|that) (?:resolved|settled|healed|cleared up|went away"
    r"|came back|passed)|turned out|recovered|healed (?:fine|well|up)|all good now|fine in the end"
    r"|had it (?:dissolved|restitched|fixed|treated)|survived|pulled through"
    r"|(?:been |felt )?(?:totally |completely |all )?(?:fine|good|ok|okay|normal) (?:ever )?since"
    r"|(?:slowing|settling|calming|easing) (?:right |right back |back )?down"
    r"|now (?:it'?s |its |there'?s |theres )?(?:only |just )(?:a )?"
    r"(?:few|small|little|tiny|bit|light|spot)"
    r"|(?:just|only) (?:a )?(?:few|small|little|tiny) \w+(?: \w+)? since"
    r"|(?<!not )(?<!n't )(?<!never )(?:resolved|healed)|stopped (?:on its own|after)|all dry"
    r"|(?:it was|that was) (?:a while|ages|years|months|a long time) (?:ago|back)"
    r"|stable now|being (?:dissolved|treated|seen|looked after)"
    r"|(?:seeing|saw|called|rang) (?:her|his|their) (?:injector|surgeon|doctor|dr|gp|nurse)"
    r"|(?:taking|took|driving|drove) (?:her|him|them)"
    r" to (?:hospital|the hospital|ed|emergency))\b",
    re.IGNORECASE,
)


# A question that plans for a procedure to come ("should I tell my surgeon before my BBL?",
# "am I at higher risk?"): what the message tells in the past tense is history.
_PLANNING = re.compile(
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
_WHAT_TO_DO = re.compile(
    r"^(?:so |and |then )?(?:what (?:should|do|would|can|must) (?:i|we|she|he|they|you) do"
    r"|what do (?:i|we) do|who (?:should|do) (?:i|we) (?:call|ring|contact)|what now"
    r"|where (?:should|do) (?:i|we) go|should (?:i|we) (?:call|ring|go|come)"
    r"|is (?:that|it|this) (?:an emergency|urgent|serious|bad|normal|dangerous|a|an))\b",
    re.IGNORECASE,
)


# What ends the reach of a past or story frame across "and": the clause is told in the
# present ("and I'm thinking about it again", "and now …", "and I have the pills").
_TOLD_NOW = re.compile(
    r"\bagain\b|\b(?:i'm|i am|she's|he's|it's|they're|we're) \w+ing\b"
    r"|\b(?:i|we|they) (?:want|need|have|feel|can't|cannot|keep)\b"
    r"|\b(?:she|he|it) (?:wants|needs|has|feels|keeps|can't|cannot)\b|\b(?:has|have)\b",
    re.IGNORECASE,
)
_TOLD_THEN = re.compile(r"\b\w{3,}ed\b")  # "dropped", "fainted": a past tense, as `_TOLD`


def _told(text: str) -> bool:
    """Whether the clause tells something in the past tense."""
    return bool(_TOLD.search(text) or _TOLD_THEN.search(text))


# A clause that only gives an example of the one before ("what if I react to the tox,
# like trouble swallowing?"): it is read in that one's frame.
_EXAMPLE = re.compile(
    r"^(?:like|such as|e\.?g\.?|for example|for instance|or|nor|including)\b", re.IGNORECASE
)


# A bare "no" after a question answers it: the question's sign is denied.
_NO_ANSWER = re.compile(
    r"(?:nope|no|nah|none|not really|negative|nil|not at all)\W*", re.IGNORECASE
)


def _joined(before: Clause, after: Clause) -> Clause:
    """A clause joined by "and" to the one before stays in that one's frame: "if my tox
    spreads and I can't swallow" supposes both, "had an epidural once and I fainted" tells
    both; a present marker ends a past frame, "now" any frame. Negation does not carry
    ("no fever and my lip is white"); a past frame carries only to a clause told in the
    past tense."""
    if _NOW.search(after.text):
        return after
    told_now = bool(_PRESENT.search(after.text) or _TOLD_NOW.search(after.text))
    return _in_frame_of(before, after, negated=False, past=_told(after.text) and not told_now)


def _in_frame_of(before: Clause, after: Clause, *, negated: bool, past: bool) -> Clause:
    """`after` with the supposing, conditional and general frames of `before` added, and
    its negation and past frame when `negated` and `past` say they carry."""
    return replace(
        after,
        negated=after.negated or (negated and before.negated),
        past=after.past or (past and before.past),
        conditional=after.conditional or before.conditional,
        hypothetical=after.hypothetical or before.hypothetical,
        general=after.general or before.general,
    )


def clauses(message: str) -> tuple[Clause, list[Clause]]:
    """The whole message (framed as one clause) and its clauses, each framed; each knows
    where it stands in the normalised message. A story that the message says is over
    makes every clause without a present marker ("now", "still", "can't") past; a question
    planning for a procedure to come makes the clauses told in the past tense past."""
    text = normalise(message)
    whole = frame(text, (0, len(text)))
    parts = [frame(text[a:b], (a, b)) for a, b in split(text)]
    if _OVER.search(text):
        parts = [
            p if _PRESENT.search(p.text) and not _OVER.search(p.text) else replace(p, past=True)
            for p in parts
        ]
        whole = replace(whole, past=True)
    for i in range(1, len(parts)):
        before = parts[i - 1]
        if (before.conditional or before.hypothetical) and _WHAT_TO_DO.search(parts[i].text):
            parts[i] = replace(parts[i], hypothetical=True)
        if text[before.span[1] : parts[i].span[0]].strip(" ,") == "and":
            parts[i] = _joined(before, parts[i])
        if _NO_ANSWER.fullmatch(parts[i].text):  # "any swelling in my calf? nope"
            parts[i - 1] = replace(before, negated=True)
        elif _EXAMPLE.search(parts[i].text):
            parts[i] = _in_frame_of(before, parts[i], negated=True, past=True)
    if _PLANNING.search(text):
        parts = [
            replace(p, general=True)
            if _PLANNING.search(p.text)
            else replace(p, past=True)
            if _TOLD.search(p.text) and not _PRESENT.search(p.text)
            else p
            for p in parts
        ]
        whole = replace(whole, general=True)
    return whole, parts
