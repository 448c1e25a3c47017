"""The hand-written English red-flag patterns: one of triage's three signals (detector.py).

They came first and stay because they are exact where they apply; the catalogue's
examples (semantic.py) generalise where they do not.

Why: before answering anything, the clinic bot must lead with what to do now (call 000,
Lifeline 13 11 14, contact the surgeon) if a patient might be in danger. Missing an
emergency is the worst failure, so severe signals (can't breathe, chest pain, heavy
bleeding, collapse, throat swelling, self-harm) are urgent on their own. Softer words that
fill ordinary questions (swelling, redness, pain, fever, allergic reaction, rash) count only
in combinations that describe something happening now, so "is swelling normal after a
tummy tuck?" is not flagged. Patterns run on normalised text and tolerate the way
distressed people type: no capitals or apostrophes ("cant", "im"), typos ("bleding",
"cant breath", "feaver"), third person ("my wife is ..."). Standard library only.
"""

import re
from dataclasses import dataclass
from typing import Literal

Category = Literal["emergency", "self_harm"]


@dataclass(frozen=True)
class UrgentSignal:
    """Why a message looks urgent: the category and a short human-readable reason
    (e.g. 'heavy bleeding')."""

    category: Category
    reason: str


# Shorthands, expanded (recursively) before compiling. Text is normalised first: words are
# separated by exactly one space and there is no punctuation or apostrophe.
_FRAMINGS = (
    "risk of|risks of|chance of|cause|causes|there|there be|prevent|avoid|signs of|symptoms of"
).split("|")
_FRAGMENTS = {
    # Not preceded by a general-knowledge framing: "can fillers cause chest pain?".
    "<Q>": "".join(rf"(?<!\b{framing} )" for framing in _FRAMINGS),
    "<BLEED>": r"(?:bl+e+a?d+(?:ing|in|s)?)",
    "<BLEEDING>": r"(?:bl+e+a?d+(?:ing|in)|bled)",
    "<BREATH>": r"(?:bre?a?th?(?:e|es|ing|in|ed|s)?)",
    "<NOSE>": r"(?! (?:\w+ )?(?:through|thru|out of|from) \w+ (?:\w+ )?nos)",
    "<FEVER>": r"(?:(?<!hay )fe+a?v+[eao]?r)",
    "<TEMP>": r"(?:temp(?:[aeiou]*r[aeiou]*t[ua]re?)?)",
    "<FEVER_T>": r"(?:<FEVER>|<TEMP>)",
    "<FEVERISH>": r"\b(?:<FEVER>\w*|chills|shiver\w*|sweats|burning up|hot and cold"
    r"|(?:a|high|running|have|has|got) (?:\w+ )?<TEMP>)\b",
    "<INFECTION>": r"(?:inf+e+c?t\w*|pus+|ooz\w*|discharge|weep\w*|smell\w*|stink\w*|foul|hot)",
    "<SPREADING>": r"\b(?:redness|red|rash|infection|it|swelling) (?:\w+ ){0,2}?(?:spreading"
    r"|getting bigger|getting worse|growing|expanding)\b|\bspreading (?:redness|red)\b",
    "<SELF>": r"(?:my ?self|him ?self|her ?self|them ?sel(?:f|ves))",
    "<NOT_ACCIDENT>": r"(?! (?:lifting|exercis|at the gym|shaving|by|accident|when|while"
    r"|doing|on the|in the|during))",
    "<DONT_WANT>": r"\b(?:dont|do not|didnt|no longer)(?: \w+)? (?:want|wanna|feel like)(?: to)?",
    "<ANYMORE>": r"(?:anymore|any more|no more|any longer)",
    "<TAKE_ALL>": r"(?:take|taking|swallow\w*) (?:all|a bunch|a handful|heaps|lots|loads) (?:of )?"
    r"(?:\w+ ){0,2}?(?:pills|tablets|painkillers|meds)",
    "<CANT>": r"(?:cant|cnt|cannot|can not|couldnt|unable to|struggl\w*|barely|hard to|hard time"
    r"|harder to|trouble|difficult\w*|problems?)",
    "<AUX>": r"(?:is|are|s|has|have|keeps?|just|still|was|now|started|starting|getting|got|gone"
    r"|going|went|became|been|feels?|looks?|really|so|very|all|more|quite)",
    "<SWELL>": r"(?:swel+(?:ing|ed|s)?|swol+e?n)",
    "<PAIN>": r"(?:pa+i*n\w*|pian\w*|sore\w*|hurt\w*|ach(?:e|es|ing|y)|tender|throbb?\w*)",
    "<CHEST_PAIN>": r"(?:pa+i*n\w*|pian\w*|tight\w*|pressure|hurts|hurting|heav\w*|crushing"
    r"|squeez\w*|aching)",
    "<CALF>": r"cal(?:f|fs|ves)\b(?! implant| augment| reduction| lipo| botox)",
    "<LEG_SIGN>": r"(?:<SWELL>|<PAIN>|hot|warm|red|cramp\w*|tight)\b",
    "<SIDE>": r"(?:(?:left|right|lower|upper) )?",
    "<FACE>": r"(?:face|lips?|eyes?|eyelids?|mouth|cheeks?)",
    "<ALLERGY>": r"\b(?:allerg\w*|reaction|reacting|hives|itch\w*|rash\w*|welts?)\b",
    "<ABOUT>": r"(?:about|by|with|as|on|over|around|whether|if|what|which|how|why|when|where"
    r"|regarding|between|re)",
}

# (category, reason) -> alternatives. An alternative is one pattern (enough on its own) or a
# tuple of patterns that must ALL match. Self-harm comes first so it wins over emergencies.
_TABLE: dict[tuple[Category, str], list[str | tuple[str, ...]]] = {
    ("self_harm", "suicidal thoughts or self-harm"): [
        r"\bsu+i*[cs]+i*d(?:e|es|al|ally)?\b",
        r"\bkill(?:ing|ed)? ?<SELF>|\bkms\b|\bself ?harm",
        r"\b(?:hurt|harm|cutt?)(?:ing)? <SELF>\b<NOT_ACCIDENT>",
        r"\b(?:want(?:ed|s)? to|wanna|gonna|going to) (?:die|be dead)\b",
        r"\b(?:ready to|rather|deserve to) die\b",
        r"\bwish (?:i|id) (?:was|were|could (?:just )?be) dead",
        r"\bwish i (?:wasnt|werent|was not|were not) (?:here|alive|around)",
        r"\bwish i (?:had|was|d) never (?:been )?born",
        r"\bbetter off (?:dead|without me|if i (?:was|were)(?:nt| not| gone| dead))",
        r"\bno (?:reason|point) (?:to|in|of) (?:liv(?:e|ing)|go(?:ing)? on)",
        r"\bno (?:reason|point) (?:to|in|of) be(?:ing)? (?:here|alive)",
        r"\bnothing (?:left )?to live for|\bnot worth living",
        r"<DONT_WANT> be (?:here|around)(?: \w+)? <ANYMORE>",
        r"<DONT_WANT> (?:be alive|exist|wake up)",
        r"<DONT_WANT> liv(?:e|ing)(?! with| in| near| here| there| at| on)",
        r"<DONT_WANT> (?:go|carry|keep) (?:on|going)(?: like this| <ANYMORE>| living|$)",
        r"\b(?:end|ending|ended) (?:it all|my (?:own )?life|everything)\b",
        r"\btak(?:e|ing) my (?:own )?life",
        r"\b(?:of|about|to|gonna|wanna|might|will|ill) (?:end|ending) it\b(?! with| early)",
        r"\bwant (?:it all|everything|all of this|this all) to end\b",
        r"\b(?:cant|cannot|can not) (?:go|carry) on(?: like this| <ANYMORE>| living|$)",
        r"\b(?:cant|cannot|can not) (?:do|take) (?:this|it) <ANYMORE>",
        r"\b(?:hope|want|wish|wanna)(?: i| to)? (?:never|dont|do not|wont) wake up",
        r"\bwhats the point (?:of|in) (?:anything|everything|living|life|me|going on)",
        r"\bwhats the point <ANYMORE>\b",
        r"\b(?:want(?:ed)? to|wanna|wish i could) (?:just )?(?:disappear|vanish)\b",
    ],
    ("self_harm", "possible overdose"): [
        r"\b(?:tak(?:e|ing)|took|doing|going to|gonna|thinking (?:of|about)) (?:an? )?overdos",
        r"\bwant(?:ed)? to (?:take an? )?overdos|\boverdosed\b|\b(?:is|im|shes|hes) overdosing\b",
        r"\b(?:thinking (?:of|about)|thought about|want(?:ed)? to|wanna|tempted to) <TAKE_ALL>",
    ],
    ("emergency", "difficulty breathing"): [
        r"<Q>\b(?:<CANT>|not|stopped|labou?red) (?:\w+ ){0,2}?<BREATH>\b<NOSE>",
        r"<Q>\bshort(?:ness)? (?:of )?<BREATH>\b|\bout of <BREATH>\b|\b<BREATH>less",
        r"\bgasp\w* (?:for )?(?:air|<BREATH>)|\bcant get (?:enough )?air|\bwheez\w*",
        r"\b(?:im|is|shes|hes|keeps?) chok(?:e|es|ing)\b",
        r"\b<BREATH> (?:is |s )?(?:really |so )?(?:fast|rapid|shallow|noisy|raspy)",
        r"\b(?:lips?|face) (?:are |is |s |have |has )?(?:gone|turned|turning|going) blue",
    ],
    ("emergency", "chest pain"): [
        r"<Q>\bchest (?:(?:<AUX>|and) )*<CHEST_PAIN>",
        r"\b<CHEST_PAIN> (?:in|on|across|around) (?:the (?:middle|centre|center|front|left side"
        r"|right side|left|right) of )?(?:my|her|his|the|their) chest\b",
        r"\bhaving (?:a )?heart attack",
    ],
    ("emergency", "heavy bleeding"): [
        r"<Q>\b(?:heavy|heavily|profuse\w*|massive|uncontrol+(?:ed|able)|severe|excessive) <BLEED>",
        r"<Q>\b(?:lots of|alot of|a lot of|so much|heaps of|loads of) <BLEED>",
        r"<Q>\bh(?:a|ae|e)+m+o?r+h?a?g\w*",
        r"<Q>\b(?:(?:lots|heaps|loads|alot|a lot|tons|pools?|puddles?|cups?) of|so much) blood\b",
        r"\b(?:bleeding|bled) out\b|\bkeeps? (?:on )?<BLEEDING>",
        r"\b<BLEEDING> (?:\w+ ){0,2}?(?:heaps|a lot|alot|lots|loads|tons|a ton|heavily|badly)\b",
        r"\b<BLEEDING> (?:\w+ ){0,2}?(?:(?:really|so|very) bad|everywhere|so much|like crazy)\b",
        r"\b<BLEEDING> (?:\w+ ){0,2}?(?:profusely|non ?stop|through|thru|all over|more and more)\b",
        r"\b(?:wont|doesnt|does not|isnt|is not|hasnt|has not|havent|didnt) (?:\w+ ){0,3}?stop\w* "
        r"(?:the )?<BLEED>",
        r"\b(?:cant|cannot|not|never|will not) (?:\w+ ){0,3}?stop\w* (?:the )?<BLEED>",
        r"\b<BLEED> (?:\w+ ){0,2}?(?:wont|doesnt|isnt|hasnt|not|cant|never|will not) (?:\w+ )?stop",
        r"\b(?:gush|pour|spurt|pump|squirt|pis+)\w* (?:out )?(?:of )?(?:\w+ ){0,2}?blood\b",
        r"\bblood (?:<AUX> )*(?:(?:gush|pour|spurt|pump|squirt|drip)\w*|everywhere|all over)",
        r"\bblood (?:<AUX> )*(?:(?:coming|seeping|soaking|leaking|soaked) (?:through|thru))",
        r"\b(?:soak\w*|drench\w*|saturat\w*|covered) (?:through )?(?:\w+ ){0,3}?(?:with|in) blood",
        r"\bblood ?soaked\b|\bblood running down",
    ],
    ("emergency", "coughing or vomiting blood"): [
        r"\b(?:cough\w*|vomit\w*|throw\w* up|spit\w*|puk\w*) (?:up )?(?:\w+ )?blood\b",
    ],
    ("emergency", "possible haematoma (bleeding under the skin)"): [
        (
            r"\bone (?:side|breast|boob|cheek)\b(?: \w+){0,4}? (?:<SWELL>|massive|huge|ballooned"
            r"|ballooning|blown up|twice the size)\b",
            r"\b(?:hard|tight|tense|purple|bruis\w*|pa+i*nful|<BLEED>|blood)\b",
        ),
    ],
    ("emergency", "dizziness with bleeding"): [
        (
            r"\b(?:dizz\w*|light ?headed|woozy)",
            r"\b<BLEED>\b|\bblood\b(?! pressure| sugar| tests?| thinn| work| type| clots?)",
        ),
    ],
    ("emergency", "possible severe allergic reaction (anaphylaxis)"): [
        r"\bthroat (?:\w+ ){0,8}?(?:clos\w*|<SWELL>|tight\w*|constrict\w*)",
        r"\b(?:<SWELL>|tight|tightening|closing) (?:up )?(?:of )?(?:my |her |his |the )?throat\b",
        r"\btongue (?:<AUX> )*(?:<SWELL>|huge|thick|blow\w* up|puff\w*)|\b<SWELL> (?:up )?tongue\b",
        r"\b<CANT> (?:\w+ ){0,2}?swal+ow",
        r"<Q>\bana?(?:ph|f)\w*?l\w*?(?:xis|ctic|tic)\b|\bepi ?pen\b",
        r"\bhives (?:\w+ ){0,2}?(?:all over|everywhere|spreading)",
        r"\b(?:covered|broken? out|breaking out|c[oa]me out|coming out) in "
        r"(?:\w+ )?(?:hives|welts)",
    ],
    ("emergency", "fainting or collapse"): [
        r"\bf[ae]i?nt(?:ed|ing|s)\b",
        r"(?<!you )(?<!make )\b(?:feel\w*|felt|going to|gonna|about to|might|nearly|almost) "
        r"(?:really |very |so |a bit |quite |kinda )?f[ae]i?nt\b",
        r"\b(?:passed|passing|passes|past) out\b|\b(?:blacked|blacking|blacks) out\b",
        r"\b(?:going to|gonna|about to|might|nearly|almost|keeps?) pass out\b",
        r"\bcoll?aps(?:ed|ing|es)\b|\blos(?:t|ing) consc|\bunresponsive\b(?! to)",
        r"\b(?:is|s|was|went|gone|found|lying|been|knocked|shes|hes|im|became|fell) "
        r"(?:(?:completely|totally|fully|just) )?unc[ao]ns?c?h?i?ous\b",
        r"\b(?:wont|will not|cant|cannot|not|isnt|couldnt) (?:\w+ )?wak(?:e|ing) (?:\w+ )?up",
        r"\b(?:having|is having|just had) (?:a )?(?:seizure|fit)\b|\bconvuls\w*",
    ],
    ("emergency", "sudden confusion"): [
        r"\b(?:disorien\w*|delirious|delirium|slurr\w*)",
        r"\b(?:is|s|shes|hes|theyre|seems?|seemed|acting|became|suddenly|gone|went) "
        r"(?:(?:very|really|so|all|quite|completely|totally) )?confused\b(?! <ABOUT>\b)",
        r"\bconfused and (?:\w+ )?(?:drowsy|sleepy|dizzy|not making sense|weak|vomiting|feverish)",
        r"\b(?:sudden|severe|acute|new|with|and|having|has|showing) (?:\w+ )?confusion\b"
        r"(?! <ABOUT>\b)",
    ],
    ("emergency", "possible blood clot (DVT) in the leg"): [
        r"\b<CALF>(?: \w+){0,4}? <LEG_SIGN>",
        r"\b<LEG_SIGN>(?: \w+){0,4}? <CALF>",
        r"\bleg (?:<AUX> )+(?:\w+ )?<LEG_SIGN>|\bleg (?:hurts|aches|throbs|swelled|swelling up)\b",
        r"\b(?:pain|swelling|soreness|ache|aching|throbbing|tenderness|cramp\w*) (?:in|on) "
        r"(?:my|her|his|their|the|one|\w+s) <SIDE>leg\b",
        r"\b(?:<SWELL>|painful|sore|hot|red|tender) (?:and \w+ )?<SIDE>leg\b",
        r"\bone leg (?:is |s |looks )?(?:\w+ )?(?:bigger|larger|fatter|swollen)",
    ],
    ("emergency", "wound infection with fever"): [
        ("<FEVERISH>", r"\b(?:<INFECTION>|red|redness|inflamed)\b"),
    ],
    ("emergency", "fever after surgery"): [
        r"\b(?:i have|ive got|i got|ive had|im running|running|has|has got|have got|got) "
        r"(?:an? )?(?:\w+ )?<FEVER_T>\b",
        r"\b(?:developed|developing|spiked|spiking|having) (?:an? )?(?:\w+ )?<FEVER_T>\b",
        r"\b<FEVER>ish\b|\brigou?rs\b",
        r"\b<FEVER_T> (?:is |of |was |at |now |hit |around )*(?:3[89]|4[0-2])\b",
        r"\b<FEVER_T> (?:since|for (?:\d+|a|an|two|three|the last)|all (?:day|night))",
        r"\b<FEVER_T> and (?:chills|shiver\w*|sweats|shak\w*)",
        r"\b(?:i have|ive got|i got|having|getting|has|has got) (?:the )?(?:chills|shivers|sweats)",
        r"\b(?:im|i am|shes|hes|keep|cant stop|been) shiver\w*",
    ],
    ("emergency", "spreading infection"): [
        r"\bred streak",
        (r"\b<INFECTION>\b", "<SPREADING>"),
    ],
    ("emergency", "allergic reaction"): [
        r"\b(?:having|going into|gone into|went into|developing|developed) (?:an? )?(?:\w+ ){0,2}?"
        r"reaction\b",
        r"\b(?:im|i am|shes|she is|hes|he is|skin is|its) (?:\w+ )?reacting\b",
        (r"\b<FACE> (?:<AUX> )+(?:\w+ )?(?:<SWELL>|(?:blow|puff)\w* up|balloon\w*)", "<ALLERGY>"),
        (r"\b<FACE> (?:\w+ )?(?:<SWELL>|blow\w*|puff\w*) up\b", "<ALLERGY>"),
        (
            r"\b(?:rash\w*|hives|welts|itch\w*) (?:\w+ ){0,2}?(?:all over|everywhere|spreading)\b",
            r"\b(?:<SWELL>|dizz\w*|allerg\w*|reaction)",
        ),
    ],
}


def _compile(pattern: str) -> re.Pattern[str]:
    while (expanded := re.sub(r"<[A-Z_]+>", lambda m: _FRAGMENTS[m[0]], pattern)) != pattern:
        pattern = expanded
    return re.compile(pattern)


_RULES = [
    (
        category,
        reason,
        [tuple(map(_compile, [alt] if isinstance(alt, str) else alt)) for alt in alts],
    )
    for (category, reason), alts in _TABLE.items()
]


def _normalise(message: str) -> str:
    """Casefold, drop apostrophes (curly or straight), turn punctuation into single spaces."""
    text = re.sub(r"['’‘ʼ`´]", "", message.casefold())
    return re.sub(r"[\W_]+", " ", text).strip()


def detect_urgent(message: str) -> UrgentSignal | None:
    """Return why `message` may describe an emergency or self-harm, or None if it looks ordinary.

    Self-harm is checked first, so it wins when both are present (the reply then gives both
    numbers anyway). When in doubt the patterns err towards flagging.
    """
    text = _normalise(message)
    for category, reason, alternatives in _RULES:
        if any(all(p.search(text) for p in group) for group in alternatives):
            return UrgentSignal(category, reason)
    return None


# Each pattern's reason as a concept of the catalogue, for the reply and the staff.
CONCEPTS = {
    "suicidal thoughts or self-harm": "self_harm",
    "possible overdose": "self_harm",
    "difficulty breathing": "breathing_difficulty",
    "chest pain": "chest_pain",
    "heavy bleeding": "heavy_bleeding",
    "coughing or vomiting blood": "heavy_bleeding",
    "possible haematoma (bleeding under the skin)": "expanding_haematoma",
    "dizziness with bleeding": "heavy_bleeding",
    "possible severe allergic reaction (anaphylaxis)": "anaphylaxis",
    "fainting or collapse": "collapse_seizure",
    "sudden confusion": "sepsis_toxic_shock",
    "possible blood clot (DVT) in the leg": "dvt",
    "wound infection with fever": "infection_fever",
    "fever after surgery": "infection_fever",
    "spreading infection": "infection_fever",
    "allergic reaction": "anaphylaxis",
}
