"""Red-flag triage: the catalogue, the frames that cancel a clause, the languages, the
targets on sets written apart from the catalogue, and what the patient is shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.quality import triage as evaluation
from bot.replies.triage.catalogue import load_catalogue, load_languages
from bot.replies.triage.classifier import Classifier
from bot.replies.triage.clauses import clauses
from bot.replies.triage.detector import FIT_FALSE_ALARMS, Triage, fit
from bot.replies.triage.lexicon import _BREAKS, Hit, Lexicon, Terms, fold
from bot.search.embedder import Embedder
from bot.settings import ROOT, Settings
from bot.web.app import create_app

CONCEPTS_NEEDED = {
    "vision_change_filler", "vascular_occlusion", "expanding_haematoma",
    "airway_neck_haematoma", "retrobulbar_haematoma", "heavy_bleeding", "necrosis",
    "wound_dehiscence", "infection_fever", "sepsis_toxic_shock", "dvt", "pulmonary_embolism",
    "fat_embolism", "anaphylaxis", "local_anaesthetic_toxicity", "botulinum_spread",
    "chest_pain", "breathing_difficulty", "collapse_seizure", "self_harm",
}  # fmt: skip
LANGUAGES_NEEDED = {"zh", "yue", "ar", "vi", "pa", "el", "it", "tl", "hi", "es"}


@pytest.fixture(scope="module")
def triage(embedder: Embedder) -> Triage:
    return Triage.shared(embedder)


@pytest.fixture(scope="module")
def results(triage: Triage) -> dict:
    return evaluation.metrics(evaluation.run(triage, evaluation.default_cases()))


# The catalogue


def test_the_catalogue_covers_every_red_flag_with_enough_examples() -> None:
    catalogue = load_catalogue()
    assert {c.id for c in catalogue.concepts} >= CONCEPTS_NEEDED
    for concept in catalogue.concepts:
        assert len(concept.examples) >= 30, concept.id
        assert concept.not_, f"{concept.id} says nothing about what must not trigger it"
        assert concept.why and concept.sources, concept.id
    assert "reviewed_by" in catalogue.model_fields_set or catalogue.reviewed_by is not None


def test_every_language_has_terms_for_each_concept_and_its_replies() -> None:
    languages = load_languages().languages
    assert set(languages) >= LANGUAGES_NEEDED
    for code, pack in languages.items():
        assert set(pack.terms) >= CONCEPTS_NEEDED, code
        assert "000" in pack.replies.A and "000" in pack.replies.B, code
        assert "13 11 14" in pack.replies.self_harm, code
        assert "131 450" in pack.replies.english_only, code


def test_the_eval_sets_share_no_sentence_with_the_catalogue() -> None:
    """An evaluation set written apart from what the method is built from."""
    catalogue = load_catalogue()
    built_from = {
        fold(t).strip(" .!?") for c in catalogue.concepts for t in [*c.examples, *c.not_]
    } | {fold(t).strip(" .!?") for t in catalogue.general_negatives}
    shared = [
        c.text for c in evaluation.default_cases() if fold(c.text).strip(" .!?") in built_from
    ]
    assert shared == []
    # Nor with any other set, the blind holdouts and the retrieval's included.
    for path in sorted([*ROOT.glob("tests/data/*.jsonl"), *ROOT.glob("bench/data/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            text = row.get("text") or row.get("question") or ""
            assert fold(text).strip(" .!?") not in built_from, (path.name, text)


def test_the_eval_sets_are_as_large_as_promised() -> None:
    cases = evaluation.default_cases()
    positives = [c for c in cases if c.urgent and c.lang == "en" and c.concept]
    assert len(positives) >= 300
    assert len([c for c in cases if not c.urgent]) >= 1500
    for concept in CONCEPTS_NEEDED:
        assert sum(c.concept == concept for c in positives) >= 20, concept
    for code in evaluation.MAJOR_LANGUAGES:
        assert sum(c.urgent and c.lang == code for c in cases) >= 30, code
    assert sum(c.canonical for c in cases) >= 20


# Frames


@pytest.mark.parametrize(
    ("message", "now"),
    [
        ("no fever but the wound has split open", [False, True]),
        ("what should I do if I get chest pain after surgery?", [False]),
        ("I had a DVT five years ago, can I still have a tummy tuck?", [False, False]),
        ("can filler cause blindness?", [False]),
        ("he's not breathing", [True]),
        ("I don't want to live anymore", [True]),
        ("my vision is fine, just swollen", [False, True]),
        ("i fainted at my blood test, would i be ok to have sedation next month?", [False, False]),
        ("if i get short of breath on the flight, what do i do?", [False, False]),
        ("the bleeding hasn't slowed at all", [True]),
        ("a long time ago i had a clot in my leg", [False]),
        ("i'm going to kill my husband lol", [False]),
        ("got this pressure in my chest like someone is sitting on it", [True]),
        # "and" before a new subject: the frame carries on, a present tense ends it
        ("had an epidural once and my blood pressure dropped", [False, False]),
        ("if my tox spreads and i can't swallow", [False, False]),
        ("i had filler before and my lip has gone white", [False, True]),
        ("i overdosed last year and i want to do it again", [False, True]),
        ("no fever and my lip is white", [False, True]),
        ("i've had a reaction like this before", [False]),
        ("i fainted at my last blood test", [False]),
        ("when she was little she had fits", [False]),
        ("vision totally normal", [False]),
        ("my mates mum went blind from filler overseas", [False]),
        ("can botox ever travel to your throat", [False]),
        ("i'm choking up reading the reviews", [False]),
        ("what if i react to the tox, like trouble swallowing?", [False, False]),
        ("say my lip turns grey after filler, is that an emergency?", [False, False]),
        ("my friend's eyes bulged after eyelid surgery", [False]),
        ("is fainting common in kids?", [False]),
        ("any swelling in my calf? nope", [False, True]),
        ("zero chest pain, zero shortness of breath", [False, False]),
        ("back in 2018 i had a PE and today i have the same chest pain", [False, True]),
        ("my aunty says her eyelid surgery made her eye bulge", [False]),
        ("my friends lips went white after filler, she's seeing her injector", [False, False]),
        # "X is fine" typed without the apostrophe, and what is said to be well
        ("my breathings fine", [False]),
        ("she can talk normally and her face looks symmetrical", [False, False]),
        ("i can't breathe normally", [True]),
        # played down, unless something alarming is said with it
        ("no rash, just a bit itchy round the spot", [False, False]),
        ("just a bit of blood but it won't stop", [False, True]),
        ("just a little bit of bleeding that is soaking the pad", [True]),
        # a story that ended, in its own clause; a result is not an ending
        ("my lip went white after filler last time but they fixed it on the spot", [False, False]),
        ("the bleeding is not slowing down", [True]),
        ("my lips turned out lumpy and now one is going grey", [True, True]),
        ("all fine after my lipo, but now my throat has closed up", [False, True]),
        # hearsay and a question with nobody in it
        ("one of the girls at my gym said her cheek went black after filler", [False]),
        ("is double vision after anti wrinkle permanent", [False]),
        ("is this an allergic reaction", [True]),
        ("can barely swallow since the tox", [True]),
        # suppositions: a condition on something, a fear of what may come
        ("if swallowing gets hard after my tox, who do i ring", [False, False]),
        ("im scared my nose will go dark after the filler", [False]),
        # delight, and money that has symptoms
        ("breathless at my new jawline 😍", [False]),
        ("my savings collapsed after the mummy makeover", [False]),
        ("a tight band round my chest that isn't the garment", [True]),
        # a question with nobody in it, then "mine": it asks about the patient's own
        ("is a blurry eye normal after filler? mine came on an hour ago", [True, True]),
        ("is a blurry eye normal after filler?", [False]),
        ("mum's doing fine after her facelift", [False]),
        ("the scar just looks a bit pink", [False]),
    ],
)
def test_clauses_are_framed(message: str, now: list[bool]) -> None:
    assert [c.about_now for c in clauses(message)[1]] == now


@pytest.mark.parametrize(
    "message",
    [
        "no fever, no redness, just wondering when i can shower after my tummy tuck",
        "what are the warning signs of a blood clot after surgery?",
        "what should i do if my lip goes white after filler?",
        "i had a reaction to filler years ago, is it safe to try again?",
        "can botox cause trouble swallowing?",
        "this waiting is killing me, when will my swelling go down",
        "what are the red flags after a facelift that mean go to hospital?",
        "my cousin's friend had a clot after lipo, she survived, do you screen for that?",
        "nearly fainted getting up on day 1 but i've been totally fine since",
        "chest feels tight from the binder when i sit down, tummy tuck day 3",
        "face looks lopsided with one eye more swollen, facelift day 3",
        "my bestie is going to die when she sees my lips",
        "a little blood spotting through the dressing, just a coin sized spot, normal?",
        "my heart is racing just thinking about the consult",
    ],
)
def test_cancelled_and_ordinary_messages_are_not_flagged(triage: Triage, message: str) -> None:
    assert triage.detect(message) is None


@pytest.mark.parametrize(
    ("message", "concept", "tier"),
    [
        (
            "no fever but my tummy tuck wound has come apart in the middle",
            "wound_dehiscence",
            "B",
        ),
        (
            "my chin filler was done friday, it looked great, but the skin under it is grey "
            "and blotchy",
            "vascular_occlusion",
            "B",
        ),
        (
            "everything is going dark in my right eye since the filler in my nose",
            "vision_change_filler",
            "A",
        ),
        (
            "i've got all my sleeping tablets lined up and i'm going to take them tonight",
            "self_harm",
            "A",
        ),
        # a past attempt, and a clause about now that turns back to it
        ("last year i overdosed and i want to do it again tonight", "self_harm", "A"),
        ("not gonna lie i'm thinking of taking all my endone at once", "self_harm", "A"),
        ("i wont be around much longer so it doesnt matter how the scar heals", "self_harm", "A"),
        ("i tried to kill myself 2 years ago and i'm thinking about it again", "self_harm", "A"),
        # the garment explains tightness, not crushing pain spreading to the arm
        ("my chest is crushing in the binder and it's spreading to my arm", "chest_pain", "A"),
        (
            "had a reaction like this before, my tongue is swelling and i can't breathe",
            "anaphylaxis",
            "A",
        ),
        # terms and patterns added from fresh writing
        ("a crushing ache in the centre of my chest since lunch", "chest_pain", "A"),
        ("my husband is jerking on the couch and staring, not with it", "collapse_seizure", "A"),
        ("her fingertips look bluey and she's gasping", "breathing_difficulty", "A"),
        ("my left cheek has gone big and hard in the last half hour", "expanding_haematoma", "B"),
    ],
)
def test_a_red_flag_is_found_in_its_clause(
    triage: Triage, message: str, concept: str, tier: str
) -> None:
    found = triage.detect(message)
    assert found is not None and (found.concept, found.tier) == (concept, tier)


# Targets, on sets written apart from the catalogue (bot eval --triage)


def test_english_triage_meets_the_issue_targets(triage: Triage) -> None:
    """In English: tier A >= 0.97, A+B >= 0.95, self-harm >= 0.95, false alarms <= 3%, no
    canonical miss (the blind holdout's figures are lower: docs/triage.md)."""
    english = [c for c in evaluation.default_cases() if c.lang == "en"]
    met = evaluation.checks(evaluation.metrics(evaluation.run(triage, english)))
    targets = ("sensitivity_A", "sensitivity_AB", "sensitivity_self_harm")
    assert [met[k] for k in targets] == [True, True, True]
    assert [met[k] for k in ("false_alarm_rate", "canonical_missed")] == [True, True]


def test_all_languages_together_stay_at_their_measured_level(results: dict) -> None:
    """Not yet every target (docs/triage.md): floors, so a change cannot quietly lose ground."""
    assert results["sensitivity_A"]["rate"] >= 0.945
    assert results["sensitivity_AB"]["rate"] >= 0.945
    assert results["false_alarm_rate"]["rate"] <= 0.03
    for code in evaluation.MAJOR_LANGUAGES:
        assert results["by_language_A"][code]["rate"] >= 0.8, code


def test_every_concept_is_caught_most_of_the_time(results: dict) -> None:
    low = {k: round(r["rate"], 2) for k, r in results["by_concept"].items() if r["rate"] < 0.8}
    assert low == {}


def test_every_language_is_caught_most_of_the_time(results: dict) -> None:
    low = {k: round(r["rate"], 2) for k, r in results["by_language"].items() if r["rate"] < 0.75}
    assert low == {}


def test_no_canonical_emergency_is_missed(triage: Triage) -> None:
    canonical = evaluation.load(evaluation.CANONICAL, canonical=True)
    missed = [c.text for c in canonical if triage.detect(c.text) is None]
    assert missed == []


def test_a_part_that_holds_its_own_negation_does_not_cancel_the_others() -> None:
    """ "مش قادرة آخد نفسي" (I can't take a breath): the negation belongs to "can't"; a
    negation before the whole term still cancels it."""
    lexicon = Lexicon(load_languages())
    found = {(h.language, h.concept) for h in lexicon.find("مش قادرة آخد نفسي")}
    assert ("ar", "breathing_difficulty") in found
    assert lexicon.find("ما عندي حرارة") == []  # "I have no fever"


@pytest.mark.parametrize(
    "message",
    [
        "打完botox两天了，吞咽呼吸都没问题，就是额头紧",
        "عملت فيلر بالخدود امبارح، نظري تمام والحمدلله",
        "nagpa filler ako sa ilong, maayos naman ang paningin ko",
        "Botox ke baad nigalna theek hai ji",
    ],
)
def test_a_symptom_said_to_be_well_is_not_an_alarm(message: str) -> None:
    """ "Swallowing and breathing are no problem": the language's word for "fine" right after
    the symptom (Tagalog: right before it) denies it; without those words it is an alarm."""
    languages = load_languages().model_copy(deep=True)
    assert Lexicon(languages).find(message) == []
    for pack in languages.languages.values():
        pack.fine = []
    assert Lexicon(languages).find(message) != []


@pytest.mark.parametrize(
    "message", ["我妈做完眼皮手术，视力没变化，就是有点干", "做完割眼袋，視力冇變，就係有啲乾"]
)
def test_a_related_language_s_word_for_fine_counts_too(message: str) -> None:
    """A Mandarin message can match a Cantonese term (and the other way round): the word
    for "fine" of the language it is written in still denies it (`frames_with`)."""
    languages = load_languages().model_copy(deep=True)
    assert Lexicon(languages).find(message) == []
    for pack in languages.languages.values():
        pack.frames_with = []
    assert Lexicon(languages).find(message) != []


@pytest.mark.parametrize(
    ("message", "concept"),
    [
        ("打完botox之后吞咽困难正常吗", "botulinum_spread"),  # asked, not stated
        ("después del relleno no puedo ver normal", "vision_change_filler"),  # denied
        ("ما اقدر اتنفس بشكل طبيعي بعد الفيلر", "breathing_difficulty"),  # "can't … normally"
        ("sau khi tiêm botox em nuốt không bình thường", "botulinum_spread"),
        ("nagpa filler ako, okay lang ba na malabo ang paningin ko", "vision_change_filler"),
        ("después del levantamiento de pecho el pezón se puso negro", "necrosis"),
        ("η θηλη μου εγινε μαυρη μετα την ανορθωση", "necrosis"),
        ("做完手術個乳頭變咗黑色", "necrosis"),
        ("Hindi po ako makahinga", "breathing_difficulty"),
        ("tengo el chamorro hinchado y caliente despues de la lipo", "dvt"),
        # "nada" belongs to "no veo" (I see nothing), not to the filler after it
        ("no veo nada desde el relleno de ayer", "vision_change_filler"),
    ],
)
def test_a_word_for_fine_that_is_denied_or_asked_leaves_the_alarm(
    message: str, concept: str
) -> None:
    """ "Is it normal?", "I can't breathe normally" still describe the emergency; and the
    terms added from fresh writing (a nipple turning black, "hindi po ako makahinga")."""
    assert concept in [h.concept for h in Lexicon(load_languages()).find(message)]


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("بعد الفيلر عيني مش بتوجعني ومش بارزة", "negators"),  # "and not bulging"
        ("万一打完玻尿酸鼻子发白，是不是血管栓塞？", "hypothetical"),  # "if …, is it …?"
        ("después del relleno no veo borroso", "negators"),
        ("上个月伤口裂开过，医生缝好了", "past"),  # "last month"
    ],
)
def test_a_cue_in_another_language_cancels_a_term(message: str, field: str) -> None:
    """A negator with "and" in front (Arabic "و"), or before a part that starts inside its
    word; a negator that begins a part and goes on to another of its words ("no veo
    borroso": I do not see blurred); a question after a supposing clause; "last month".
    Without the language's cue words each is an alarm."""
    languages = load_languages().model_copy(deep=True)
    assert Lexicon(languages).find(message) == []
    for pack in languages.languages.values():
        setattr(pack, field, [])
    assert Lexicon(languages).find(message) != []


def test_a_negation_after_a_word_for_fine_does_not_deny_it() -> None:
    """ "My sight is fine and there is no blurring": the negation after "fine" says
    something else is absent too; one before it still denies ("ما اقدر اتنفس طبيعي")."""
    lexicon = Lexicon(load_languages())
    assert lexicon.find("بعد الفيلر نظري تمام ومافي زغللة") == []
    assert lexicon.find("بعد الفيلر ما اقدر اتنفس طبيعي") != []


@pytest.mark.parametrize(
    "message",
    [
        "قبل سنتين عملت فيلر وكان كل شي تمام واليوم بعد فيلر جديد ما اقدر اشوف بعيني",
        "两年前打过玻尿酸没事 但是现在打完玻尿酸眼睛看不见了",
        "hace dos años me puse relleno y bien pero ahora después del relleno no veo nada",
        "anni fa ho fatto il filler ma ora dopo il filler non vedo niente",
    ],
)
def test_a_story_of_the_past_does_not_cancel_what_is_happening_now(message: str) -> None:
    """ "Two years ago … all fine, but now I can't see": the past cue stops at the turn
    word ("but", "now"), as at a clause break; without the language's turns it is missed."""
    languages = load_languages().model_copy(deep=True)  # loaded once: never change that one
    assert [h.concept for h in Lexicon(languages).find(message)] == ["vision_change_filler"]
    for pack in languages.languages.values():
        pack.turns = []
    assert Lexicon(languages).find(message) == []


def test_a_part_written_with_accents_matches_only_as_typed() -> None:
    """Vietnamese "tự tử" (suicide) and "từ từ" (slowly) fold to the same letters: a part
    written "=…" is matched in the message with its accents."""
    terms = Terms({"self_harm": [["muốn|định", "=tự tử"]], "chest_pain": ["đau ngực"]})
    assert terms.find("tôi muốn tự tử") == ["self_harm"]
    assert terms.find("TÔI MUỐN TỰ TỬ") == ["self_harm"]
    assert terms.find("tôi muốn từ từ hồi phục") == []
    assert terms.find("toi muon tu tu") == []  # without accents it cannot be told apart
    assert terms.find("dau nguc qua") == ["chest_pain"]  # other terms still fold


def test_a_temperature_is_not_cut_at_its_decimal_point() -> None:
    """ "38,9" is one number, not two clauses: a cue before it still reaches past it."""
    breaks = [m.start() for m in _BREAKS.finditer("fiebre de 38,9 y la herida, roja. 2. ok")]
    assert breaks == [26, 32, 35]
    lexicon = Lexicon(load_languages())
    assert Hit("es", "infection_fever") in lexicon.find("fiebre de 38,9 y la herida con pus")


@pytest.mark.parametrize(
    ("message", "concept"),
    [
        ("can't breathe through my nose with the splints in, is that normal?", None),
        ("i cant breathe thru my nose since the rhino, packing still in", None),
        ("i can't breathe through my nose or my mouth", "breathing_difficulty"),
        ("cant breathe thru my nose and my lips are going blue", "breathing_difficulty"),
        ("my wallet is having a heart attack after that quote", None),
        ("I nearly fainted when I saw the bill", None),
    ],
)
def test_the_expected_course_and_idioms_do_not_ring_the_alarm(
    triage: Triage, message: str, concept: str | None
) -> None:
    """A blocked nose after a rhinoplasty is expected (`benign`), unless the mouth, lips
    or throat are named too; money is not a heart."""
    found = triage.detect(message)
    assert (found.concept if found else None) == concept


def test_a_turn_word_is_a_whole_word() -> None:
    """Arabic "بس" (but) does not break "بسبب" (because of)."""
    lexicon = Lexicon(load_languages())
    pattern = lexicon._turns["ar"]
    assert pattern is not None and pattern.search(fold("بس")) and not pattern.search(fold("بسبب"))


def test_the_server_holds_numpys_blas_to_one_thread() -> None:
    from threadpoolctl import threadpool_info

    from bot.search.embedder import set_threads

    set_threads(1)
    assert {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"} == {1}


def test_the_classifier_catches_catalogue_examples_nearness_alone_misses(
    triage: Triage,
) -> None:
    """Fitted with the model's out-of-fold scores, the thresholds catch more of the
    catalogue's examples, each judged without itself, within the same false-alarm budget."""
    alone = fit(triage.examples)
    both = triage.thresholds
    assert both.model <= 1.0 and alone.model > 1.0
    assert both.recall > alone.recall + 0.05
    assert both.false_alarms <= FIT_FALSE_ALARMS and alone.false_alarms <= FIT_FALSE_ALARMS
    chances = triage.model.probabilities(triage.examples.positive[:5])
    assert chances.shape == (5, len(triage.model.concepts) + 1)
    assert abs(float(chances.sum(axis=1).mean()) - 1.0) < 1e-5


def test_the_fitted_classifier_is_cached_and_a_broken_cache_refitted(
    triage: Triage, tmp_path: Path
) -> None:
    first = Classifier(triage.examples, tmp_path)
    (cached,) = tmp_path.glob("model-*.npz")
    again = Classifier(triage.examples, tmp_path)
    assert (again.coef == first.coef).all() and (again.out_of_fold == first.out_of_fold).all()
    cached.write_bytes(b"not a model")
    refitted = Classifier(triage.examples, tmp_path)
    assert abs(refitted.coef - first.coef).max() < 1e-4


def test_wilson_interval() -> None:
    low, high = evaluation.wilson(95, 100)
    assert round(low, 3) == 0.888 and round(high, 3) == 0.978
    assert evaluation.wilson(0, 0) == (0.0, 1.0)


# What the patient sees


@pytest.fixture(scope="module")
def chat(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_urgent_reply_carries_its_tier_and_concept(chat: TestClient) -> None:
    reply = chat.post(
        "/api/chat", json={"message": "i cant see out of my left eye since my filler"}
    )
    body = reply.json()
    assert body["kind"] == "urgent" and body["passages"] == []
    assert body["urgent"]["tier"] == "A" and body["urgent"]["concept"] == "vision_change_filler"
    assert "000" in body["message"]


def test_a_tier_b_reply_names_the_treating_clinician_and_why(chat: TestClient) -> None:
    body = chat.post(
        "/api/chat", json={"message": "the filler in my lip has turned it white and blotchy"}
    ).json()
    concept = load_catalogue().concept("vascular_occlusion")
    assert body["urgent"]["tier"] == "B"
    assert concept.treater in body["message"] and concept.why in body["message"]


def test_an_emergency_in_mandarin_is_answered_in_mandarin_too(chat: TestClient) -> None:
    body = chat.post("/api/chat", json={"message": "我喘不过气来，救命"}).json()
    assert body["kind"] == "urgent" and body["urgent"]["language"] == "zh"
    assert body["urgent"]["translation"] == load_languages().languages["zh"].replies.A
    page = chat.post("/", data={"message": "我喘不过气来，救命"}).text
    assert 'class="cc-translation" lang="zh"' in page


def test_a_question_in_another_language_gets_the_safety_line(chat: TestClient) -> None:
    body = chat.post("/api/chat", json={"message": "¿Cuánto cuesta una consulta con el cirujano?"})
    notice = body.json()["language_notice"]
    assert notice == load_languages().languages["es"].replies.english_only
    assert "000" in notice and "131 450" in notice


def test_an_english_question_gets_no_language_line(chat: TestClient) -> None:
    body = chat.post("/api/chat", json={"message": "what are exosomes?"}).json()
    assert body["kind"] == "answer" and body["language_notice"] is None
    assert json.loads(json.dumps(body))["urgent"] is None


# Bad catalogue edits fail loudly, at load and in the tests


def _catalogue_data() -> dict:
    import yaml

    from bot.replies.triage.catalogue import CATALOGUE

    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def test_a_broken_catalogue_is_refused_with_the_reason() -> None:
    from pydantic import ValidationError

    from bot.replies.triage.catalogue import Catalogue

    data = _catalogue_data()
    twice = {**data, "concepts": [*data["concepts"], data["concepts"][0]]}
    with pytest.raises(ValidationError, match="appears twice"):
        Catalogue.model_validate(twice)
    no_why = {**data, "replies": {**data["replies"], "B": "Call your surgeon."}}
    with pytest.raises(ValidationError, match="treater"):
        Catalogue.model_validate(no_why)
    unknown_source = {**data, "concepts": [{**data["concepts"][0], "sources": ["nowhere"]}]}
    with pytest.raises(ValidationError, match="unknown sources"):
        Catalogue.model_validate(unknown_source)
    bad_tier = {**data, "concepts": [{**data["concepts"][0], "tier": "C"}]}
    with pytest.raises(ValidationError):
        Catalogue.model_validate(bad_tier)


def test_a_language_naming_an_unknown_concept_is_refused(tmp_path: Path) -> None:
    import yaml

    from bot.replies.triage.catalogue import LANGUAGES, load_languages

    data = yaml.safe_load(LANGUAGES.read_text(encoding="utf-8"))
    data["languages"]["es"]["terms"]["sunburn_from_laser"] = ["quemadura"]
    path = tmp_path / "languages.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown concepts"):
        load_languages(path)


def test_bot_eval_triage_reports_and_fails_on_a_missed_target(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "text": "what are exosomes?", "label": "urgent",
                    "concept": "chest_pain", "tier": "A", "lang": "en"}) + "\n"
        + json.dumps({"id": "b", "text": "i cant breathe", "label": "urgent",
                      "concept": "breathing_difficulty", "tier": "A", "lang": "en"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    result = CliRunner().invoke(main, ["eval", "--triage", "--file", str(cases), "-v"])
    assert result.exit_code == 1
    assert "sensitivity_A                  0.500 (1/2" in result.output
    assert "MISS a [en chest_pain] what are exosomes?" in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "text": "hi", "label": "maybe"}\n', encoding="utf-8")
    failed = CliRunner().invoke(main, ["eval", "--triage", "--file", str(broken)])
    assert failed.exit_code == 1 and "label must be urgent or ordinary" in failed.output
    assert "Traceback" not in failed.output
