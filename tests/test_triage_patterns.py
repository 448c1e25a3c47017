"""Tests for bot.replies.urgent: emergencies and self-harm must be caught; ordinary questions
must not."""

import pytest

from bot.replies.triage.patterns import UrgentSignal, detect_urgent

EMERGENCY = [
    # heavy or uncontrolled bleeding
    "help im bleeding heaps from my tummy tuck wound",
    "there is blood soaking through the bandage on my breast reduction",
    "my facelift incision wont stop bleeding",
    "been bleding a lot since i got home from surgery",
    "my husbands drain site is gushing blood what do i do",
    "the bleeding just won’t stop and the dressing is soaked with blood",
    "I can't stop the bleeding after my liposuction",
    "my wife had a bbl and shes bleeding really bad",
    "im bleeding through the dressing after my tummy tuck and it wont stop",
    "one breast is massive and hard after my augmentation yesterday",
    "my husband is coughing up blood after surgery",
    # infection with fever, fever alone, spreading infection
    "wound is hot red and oozing pus and I have a temperature",
    "i have a feaver after my breast augmentation",
    "my daughter has a high fever 2 days after her rhinoplasty",
    "my incision looks infeted and i have chills",
    "temp is 38.9 and my tummy tuck scar is red",
    "theres pus coming out of my incision and the redness is spreading",
    "shes got a feaver and her wound smells",
    "i'm shivering and burning up and the stitches are oozing",
    # breathing and chest
    "i cant breath properly since my surgery",
    "Im struggling to breathe after my tummy tuck",
    "having trouble brething and my chest feels tight",
    "short of breath after lipo, is that ok",
    "i’ve got a crushing pain in my chest",
    "my mum has chest pain after her facelift yesterday",
    "my wife cant breathe",
    "I can’t breathe!!",
    # possible DVT
    "my calf is swollen and really sore",
    "had a tummy tuck last week and now my left leg is swollen hot and red",
    "pain in my calf and it feels warm since the flight home after surgery",
    "MY CALF IS SWOLLEN AND HOT!!!",
    # allergic reaction / anaphylaxis
    "my lips and tongue are swelling after the filler",
    "my throat is closing up after the injection",
    "i think im having an allergic reaction",
    "having a reaction, my lips are swelling",
    "broke out in hives all over my body after the exosome facial",
    "i cant swallow properly after the neck lift",
    "my face is swelling up and itchy after the exosome treatment",
    # fainting, collapse, unconscious, confusion
    "my friend fainted after her liposuction",
    "i passed out in the shower this morning",
    "my husband collapsed at home after his surgery",
    "shes unconscious and i cant wake her up",
    "mum is confused and doesnt know where she is after her op",
    "i feel like im going to pass out",
    "keep blacking out since my breast augmentation",
    "Feeling really faint and dizzy after my bbl",
    "my daughter is unresponsive",
    "her lips have gone blue",
    "my sister is having a seizure",
    "my husband is disorientated and slurring his words",
    "i have a temprature of 39",
    "my stitches burst and theres so much blood",
    "i cnt breath",
    "i rang because heavy bleeding started at the drain site",
]

SELF_HARM = [
    "i want to die",
    "i dont want to be here anymore",
    "I don’t want to be here anymore",
    "thinking of ending it",
    "i want to kill myself",
    "i keep wanting to hurt myself",
    "theres no reason to live",
    "my family would be better off without me",
    "honestly everyone would be better off if i was dead",
    "ive been self harming again",
    "i've started cutting myself",
    "im suicidal",
    "feeling sucidal since the surgery went wrong",
    "i just wish i wasnt alive anymore",
    "my daughter says she wants to hurt herself after her nose job",
    "i hate how i look i just want to disappear",
    "nothing to live for since my face was ruined",
    "i cant go on like this",
    "i don’t want to wake up tomorrow",
    "i keep thinking about taking all my painkillers",
    "im thinking of taking my own life",
    "i want to end my life",
    "i dont feel like living anymore",
    "my friend overdosed on her painkillers",
    "whats the point anymore",
]

ORDINARY = [
    "will exosomes reduce redness and swelling after my facelift?",
    "is some swelling normal after a tummy tuck?",
    "can exosomes help scars?",
    "does stem cell therapy hurt?",
    "what are the side effects?",
    "is inflammation common after fillers?",
    "can exosomes cause an allergic reaction?",
    "does exosome therapy help inflammation?",
    "is swelling normal after a facelift?",
    "is bleeding a side effect of stem cell injections?",
    "how long does bruising last after a facelift?",
    "will i bleed a lot during liposuction?",
    "how much blood will i lose during a tummy tuck?",
    "what is the risk of heavy bleeding with a facelift?",
    "is there a lot of bleeding after a facelift?",
    "how do you stop bleeding after microneedling?",
    "can fillers cause chest pain?",
    "what is the chance of anaphylaxis with exosome injections?",
    "i'm allergic to penicillin, can i still have exosomes?",
    "i had an allergic reaction to fillers years ago, is exosome therapy safe for me?",
    "can lip swelling be a sign of an allergic reaction?",
    "will my lips be swollen after lip filler?",
    "can exosomes cause a rash?",
    "how long will my legs be swollen after thigh liposuction?",
    "is bruising and tenderness normal after liposuction of the thighs?",
    "does calf botox hurt?",
    "will my chest hurt after breast augmentation?",
    "how long does pain last after rhinoplasty?",
    "is it normal that i can't breathe through my nose after rhinoplasty?",
    "will i have trouble breathing through my nose after septoplasty?",
    "what if i don't wake up from the anaesthetic?",
    "will i be unconscious during the facelift?",
    "will the scar fade to a faint line?",
    "will my nose collapse after rhinoplasty?",
    "im a bit confused about the aftercare instructions",
    "I'm confused, which is better for scars, exosomes or lasers?",
    "can i use a hot tub? what temperature is safe after surgery?",
    "how do i know if my wound is infected?",
    "what are the signs of infection after a breast augmentation?",
    "will i get a fever after liposuction?",
    "what are the symptoms of a blood clot after surgery?",
    "can i fly after my surgery, what about blood clots?",
    "does stem cell therapy reduce pain and swelling in the knee?",
    "can exosomes treat acne redness and rash?",
    "how long until the redness goes away after laser?",
    "is redness after microneedling normal and how long does it last?",
    "is it normal to feel sore and tight after a tummy tuck?",
    "will the bruises and swelling go down after my eyelid surgery?",
    "i dont want to live with these scars, can exosomes help?",
    "i think i hurt myself lifting my toddler after my tummy tuck, should i rest?",
    "can i take all my normal medications before surgery?",
    "can i go on holiday two weeks after my facelift?",
    "how much does a facelift cost in sydney?",
    "how long should i wear compression garments after lipo?",
    "when can i exercise after breast augmentation?",
    "what is the recovery time for a blepharoplasty?",
    "are stem cell treatments approved by the tga?",
    "can exosomes help with hair loss?",
    "how many sessions of exosome therapy do i need for scars?",
    "is stem cell therapy painful?",
    "what is the best scar cream after a breast reduction?",
    "can i take panadol for pain after my surgery?",
    "does a tummy tuck leave a big scar?",
    "is it normal for one breast to be bigger than the other after augmentation?",
    "i have hay fever, can i still have surgery?",
    "do stem cell injections make you feel faint?",
    "i'm dying to know the results of my surgery",
    "the pain after my bbl is killing me, what can i take?",
    "i cut myself shaving near my scar, is that ok?",
    "i can't wait to see the results!",
    "i don't want to go under general anaesthetic, is twilight sedation an option?",
    "i want to end my treatment plan early, what are the fees?",
    "i take blood thinners, can i have a facelift?",
    "i have a bit of bleeding from my drain site, is that ok?",
    "i have some redness and swelling after my exosome facial, is that normal?",
    "is it normal for redness to spread a little after a chemical peel?",
    "",
    "   ",
]


@pytest.mark.parametrize("message", EMERGENCY)
def test_emergencies_are_detected(message: str) -> None:
    signal = detect_urgent(message)
    assert signal is not None, message
    assert signal.category == "emergency", (message, signal)


@pytest.mark.parametrize("message", SELF_HARM)
def test_self_harm_is_detected(message: str) -> None:
    signal = detect_urgent(message)
    assert signal is not None, message
    assert signal.category == "self_harm", (message, signal)


@pytest.mark.parametrize("message", ORDINARY)
def test_ordinary_questions_are_not_flagged(message: str) -> None:
    assert detect_urgent(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "i cant breathe and i want to die",
        "bleeding heaps and honestly i want to kill myself",
        "my calf is swollen and hot and i dont want to be here anymore",
    ],
)
def test_self_harm_wins_over_emergency(message: str) -> None:
    signal = detect_urgent(message)
    assert signal is not None
    assert signal.category == "self_harm"


@pytest.mark.parametrize("message", EMERGENCY + SELF_HARM)
def test_reason_is_a_short_non_empty_string(message: str) -> None:
    signal = detect_urgent(message)
    assert isinstance(signal, UrgentSignal)
    assert isinstance(signal.reason, str)
    assert signal.reason.strip()
    assert len(signal.reason) < 80


def test_specific_reasons() -> None:
    assert detect_urgent("bleeding heaps") == UrgentSignal("emergency", "heavy bleeding")
    assert detect_urgent("i cant breath") == UrgentSignal("emergency", "difficulty breathing")
    signal = detect_urgent("my calf is swollen and really sore")
    assert signal is not None and "DVT" in signal.reason


def test_signal_is_immutable() -> None:
    signal = UrgentSignal("emergency", "heavy bleeding")
    with pytest.raises(AttributeError):
        signal.reason = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "message",
    [
        "covered in itchy welts after my treatment and my throat feels weird like its closing",
        "my throat feels really strange and tight since the cream",
    ],
)
def test_throat_closing_with_words_between(message: str) -> None:
    signal = detect_urgent(message)
    assert signal is not None and signal.category == "emergency"
