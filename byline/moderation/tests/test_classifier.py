"""The spam/abuse text classifiers: learning, explaining, serialising, the shipped weights.

Every sentence here is invented for these tests. No database is needed.
"""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from byline.moderation import training
from byline.moderation.classifier import (
    KINDS,
    TextClassifier,
    load_starting_model,
)
from byline.moderation.datasets import Example, split
from byline.moderation.features import FeatureConfig, extract, normalise, tokenize
from byline.moderation.seed import HELD_OUT, abuse_seed

SPAM = [
    "Check out my channel and subscribe for daily giveaways!",
    "Subscribe to my channel, I post new beats every week http://beats.example.com",
    "Earn 500 dollars a day from home, visit www.quick-cash.example.net now",
    "Free gift cards for the first 100 people, click here http://gift.example.com",
    "Please like and share my page, follow for follow!",
    "Buy cheap followers and likes at www.boostfans.example.com",
    "Hey guys check out my new video, subscribe and like!",
    "I make $300 a day working online, message me to learn how",
    "Visit my shop for discount sunglasses http://shades.example.org",
    "Follow me on my page for free prizes every day!!!",
    "Win a free phone today, just click the link http://win.example.com",
    "Check my profile for the best crypto tips and subscribe",
]
HAM = [
    "The council vote on the harbour dredging was postponed again.",
    "I think the author underestimates the cost of the new bridge.",
    "Thanks for quoting the full minutes, that helps a lot.",
    "The ferry timetable changed in March, not April.",
    "My grandmother worked at that cannery for thirty years.",
    "Is there a source for the erosion figures in the third paragraph?",
    "I disagree with the zoning change but this is a fair summary.",
    "The audit report is worth reading in full.",
    "We walked the shoreline path on Sunday and it was flooded.",
    "Good piece, though the budget table has a typo.",
    "The mayor answered questions for an hour at the meeting.",
    "Our street still has no bus stop after two years of promises.",
]
SPAM_UNSEEN = [
    "Subscribe to my channel for free giveaways, check it out!",
    "Click here to earn dollars from home http://cash.example.com",
]
HAM_UNSEEN = [
    "The harbour committee published the dredging report on Friday.",
    "I think the bridge vote was a fair decision by the council.",
]
HEATED = "They need to be taken down… hard. This government's housing policy is a disgrace."
NEUTRAL = "The library on Quay Street opens at nine on Saturdays."
COMPOUND_SLUR = "Those Islamonazis are at it again."


def _spam_model(seed: int = 0) -> TextClassifier:
    texts = SPAM + HAM
    labels = [1] * len(SPAM) + [0] * len(HAM)
    return training.new_model("spam").fit(texts, labels, epochs=10, seed=seed)


@pytest.fixture(scope="module")
def spam_model() -> TextClassifier:
    return _spam_model()


@pytest.fixture(scope="module")
def abuse() -> TextClassifier:
    return load_starting_model("abuse")


# -- learning ------------------------------------------------------------------------------------


def test_learned_model_separates_obvious_spam_from_ham(spam_model: TextClassifier) -> None:
    spam = [spam_model.score(t) for t in SPAM_UNSEEN]
    ham = [spam_model.score(t) for t in HAM_UNSEEN]
    assert min(spam) > 0.5 > max(ham), (spam, ham)
    assert all(0.0 <= s <= 1.0 for s in spam + ham)


def test_learning_from_decisions_moves_scores_the_right_way(spam_model: TextClassifier) -> None:
    model = TextClassifier.from_bytes(spam_model.to_bytes())
    pitch = "Limited offer: cheap harbour cruise tickets, message me today"
    before = model.score(pitch)
    for text in (
        "Cheap harbour cruise tickets, limited offer, message me",
        "Limited offer on cruise tickets, message me today",
        "Message me today for cheap cruise tickets",
    ):
        prior = model.learn(text, 1)
        assert 0.0 <= prior <= 1.0
    raised = model.score(pitch)
    assert raised > before + 0.05
    assert model.updates == 3
    assert model.version == f"{spam_model.name}+3"
    # A moderator approving look-alikes brings it back down.
    for _ in range(3):
        model.learn("I took the cheap harbour cruise today, the tickets were a bargain", 0)
    assert model.score(pitch) < raised
    model.forget()
    assert model.score(pitch) == before
    assert model.version == spam_model.name


def test_decisions_adapt_the_shipped_abuse_model(abuse: TextClassifier) -> None:
    model = load_starting_model("abuse")
    jab = "Typical councilwormery from the ferry board again."
    before = model.score(jab)
    model.partial_fit(
        ["Councilwormery at its finest.", "More councilwormery, nothing changes."], [1, 1]
    )
    assert model.score(jab) > before
    assert abuse.score(jab) == before  # the cached fixture is a separate copy


def test_labels_are_checked() -> None:
    model = training.new_model("spam")
    with pytest.raises(ValueError):
        model.learn("anything", 2)
    with pytest.raises(ValueError):
        model.partial_fit(["a", "b"], [1])


# -- explanations ------------------------------------------------------------------------------


def test_explanations_name_the_driving_words(spam_model: TextClassifier) -> None:
    text = "Subscribe to my channel for free giveaways, check it out!"
    top = spam_model.explain(text, k=4)
    assert len(top) <= 4
    pushing = [w for w, weight in top if weight > 0]
    assert pushing[0] in {"subscribe", "channel", "giveaways", "free", "check"}, top
    # Sorted by size, and a link shows up as a signal when it matters.
    sizes = [abs(w) for _, w in top]
    assert sizes == sorted(sizes, reverse=True)
    linked = dict(spam_model.explain("Earn money fast http://x.example.com", k=10))
    assert "[url]" in linked or "[link: example.com]" in linked


def test_explanations_of_the_abuse_model_point_at_the_insult(abuse: TextClassifier) -> None:
    top = abuse.explain("You are a complete 1d10t, Gerald.", k=3)
    assert top[0][0] == "idiot" and top[0][1] > 0, top
    assert abuse.explain("", k=3) == []


# -- serialisation -----------------------------------------------------------------------------


def test_round_trips_give_identical_scores(spam_model: TextClassifier) -> None:
    model = TextClassifier.from_bytes(spam_model.to_bytes())
    model.learn("Message me for cheap cruise tickets", 1)  # the site layer round-trips too
    texts = [*SPAM_UNSEEN, *HAM_UNSEEN, "", "ünïcödé ☃ 漢字"]
    for copy in (
        TextClassifier.from_bytes(model.to_bytes()),
        TextClassifier.from_json(model.to_json()),
    ):
        assert [copy.score(t) for t in texts] == [model.score(t) for t in texts]
        assert copy.explain(texts[0]) == model.explain(texts[0])
        assert copy.version == model.version == f"{spam_model.name}+1"
        assert copy.threshold == model.threshold
        assert copy.config == model.config
        assert copy.to_bytes() == model.to_bytes()
        assert copy.fingerprint == model.fingerprint


def test_garbage_is_refused() -> None:
    with pytest.raises(ValueError):
        TextClassifier.from_bytes(b"\x80\x04pickle?")
    with pytest.raises(ValueError):
        TextClassifier.from_json('{"format": "something-else/9"}'.replace("}", ', "arrays": ""}'))


def test_untrained_model_is_neutral_and_serialises() -> None:
    model = TextClassifier("spam")
    assert model.score("anything at all") == 0.5
    assert TextClassifier.from_bytes(model.to_bytes()).score("x") == 0.5


# -- the shipped starting weights --------------------------------------------------------------


def test_shipped_weights_load_without_the_datasets() -> None:
    for kind in KINDS:
        resource = files("byline.moderation.weights").joinpath(f"{kind}.json")
        assert len(resource.read_bytes()) < 1024 * 1024
        model = load_starting_model(kind)
        assert model.kind == kind
        assert model.version.startswith(f"{kind}-")
        assert len(model) > 500
        assert 0.0 < model.threshold < 1.0
    with pytest.raises(ValueError):
        load_starting_model("ham")


def test_shipped_abuse_model_ranks_a_compound_slur_above_heated_politics(
    abuse: TextClassifier,
) -> None:
    # The compound is not among the seed sentences: it must score from the pieces it shares.
    assert "islamonazis" in HELD_OUT
    assert not any("islamonazis" in t.lower() for t, _ in abuse_seed())
    slur, heated, neutral = (abuse.score(t) for t in (COMPOUND_SLUR, HEATED, NEUTRAL))
    assert slur > heated + 0.15, (slur, heated)
    assert slur > neutral + 0.15, (slur, neutral)
    assert heated < 0.5
    assert "islamonazis" in [w for w, weight in abuse.explain(COMPOUND_SLUR) if weight > 0]


def test_shipped_abuse_model_tells_threats_and_attacks_from_heated_civil_speech(
    abuse: TextClassifier,
) -> None:
    # Same target, same hard words: a threat is abuse, the ballot box or a court is not.
    pairs = [
        ("Someone should throw the councillor in the canal.",
         "The councillor should be voted out at the next election."),
        ("Nobody asked you, crawl back under your rock.",
         "Your comment misses the point about the rates."),
    ]  # fmt: skip
    for bad, fine in pairs:
        assert abuse.score(bad) >= 0.5 > abuse.score(fine), (bad, fine)
        assert abuse.score(bad) > abuse.score(fine) + 0.3, (bad, fine)
    # A held-out compound scores alike fused and hyphenated ("<stem>-<insult>" is read fused).
    fused = abuse.score("The judeorats are at it again.")
    hyphened = abuse.score("The Judeo-rats are at it again.")
    assert min(fused, hyphened) >= 0.5 and abs(fused - hyphened) < 0.15, (fused, hyphened)


def test_hyphenated_words_are_also_read_fused_when_configured() -> None:
    plain = extract("those islamo-rats", FeatureConfig())[0]
    fused = extract("those islamo-rats", FeatureConfig(compounds=True))[0]
    assert "w:islamorats" in fused and "c:orats" in fused
    assert "w:islamorats" not in plain and set(plain) < set(fused)
    # Older configs (without the flag) serialise exactly as before.
    assert "compounds" not in FeatureConfig().to_dict()
    assert FeatureConfig.from_dict(FeatureConfig(compounds=True).to_dict()).compounds


def test_shipped_spam_model_flags_self_promotion() -> None:
    spam = load_starting_model("spam")
    pitch = "Check out my channel and subscribe!! http://my-beats.example.com"
    assert spam.score(pitch) >= spam.threshold
    assert spam.score(NEUTRAL) < 0.5


# -- robustness ----------------------------------------------------------------------------------


def test_obfuscated_spellings_still_score(abuse: TextClassifier) -> None:
    plain = abuse.score("You are an idiot and a moron.")
    assert plain > 0.5
    for variant in (
        "You are an 1d10t and a m0r0n.",
        "You are an idiooooot and a moroooon.",
        "You are an i d i o t and a m.o.r.o.n.",
        "YOU ARE AN ÍDÍÒT AND A MORÖN.",
        "You are an іdіоt and a mоrоn.",  # Cyrillic look-alikes
        "You are an id\u200biot and a mor\u00adon.",  # zero-width space, soft hyphen
    ):
        assert abuse.score(variant) > 0.5, variant
        assert abs(abuse.score(variant) - plain) < 0.25, variant
    spam = load_starting_model("spam")
    assert spam.score("Ch3ck 0ut my ch@nnel and $ubscribe!!!") > spam.score(NEUTRAL)


def test_features_undo_common_obfuscations() -> None:
    assert tokenize("1d10t $cum sh!t")[0] == ["idiot", "scum", "shit"]
    assert tokenize("stuuuupid")[0] == ["stuupid"]
    assert "w:stupid" in extract("stuuuupid", FeatureConfig())[0]
    assert tokenize("f u c k  off")[0] == ["fuck", "off"]
    assert tokenize("great! 2015")[0] == ["great", "0000"]
    assert normalise("ＦＵＬＬ Ｗｉｄｔｈ café") == "full width cafe"
    tokens, meta = tokenize(
        "see www.example.com and http://x.example.org/a @someone me@mail.example"
    )
    assert meta["url"] == 2 and meta["mention"] == 1 and meta["email"] == 1
    assert tokens == ["see", "and"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \n\t ",
        "a",
        "!!!???...",
        "\x00\x01\x02",
        "😀" * 50,
        "这是一个普通的评论。",
        "هذا تعليق عادي",
        "x" * 200_000,
        "word " * 100_000,
        "&amp;&#39;&#x1F600;&bogus;",
        "\ud800 lone surrogate",
    ],
)
def test_odd_input_does_not_crash(abuse: TextClassifier, text: str) -> None:
    spam = load_starting_model("spam")
    for model in (abuse, spam):
        s = model.score(text)
        assert 0.0 <= s <= 1.0
        assert isinstance(model.explain(text), list)


def test_huge_input_is_cut_not_slow(abuse: TextClassifier) -> None:
    long = "This is a calm comment about the harbour. " * 50_000
    assert abuse.score(long) == abuse.score(long[:20_000])


# -- determinism -------------------------------------------------------------------------------


def test_training_is_deterministic_given_a_seed() -> None:
    assert _spam_model(seed=3).to_bytes() == _spam_model(seed=3).to_bytes()
    assert _spam_model(seed=3).to_bytes() != _spam_model(seed=4).to_bytes()
    assert abuse_seed(0) == abuse_seed(0)


def test_split_is_seeded_and_keeps_duplicates_together() -> None:
    rows = [Example(f"comment {i % 40}", i % 2, float(i % 2), "g", f"comment {i % 40}")
            for i in range(200)]  # fmt: skip
    train, test = split(rows, seed=5, test_fraction=0.3)
    assert (train, test) == split(rows, seed=5, test_fraction=0.3)
    assert not {e.key for e in train} & {e.key for e in test}
    assert 0.1 < len(test) / len(rows) < 0.5


# -- metrics -------------------------------------------------------------------------------------


def test_metrics() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
    labels = [1, 1, 0, 1, 0, 0, 0, 0]
    report = training.binary_report(scores, labels, 0.5)
    assert report["precision"] == 0.75 and report["recall"] == 1.0 and report["fpr"] == 0.2
    assert training.roc_auc(scores, labels) == pytest.approx(14 / 15)
    t = training.threshold_for_fpr(scores, labels, 0.0)
    assert training.binary_report(scores, labels, t)["fpr"] == 0.0
    assert training.recall_at_fpr(scores, labels, 0.0) == pytest.approx(2 / 3)


def test_site_layer_without_bias_reweighs_words_not_every_score() -> None:
    # No link/shape signals: an empty comment then scores the two layers' biases only.
    config = FeatureConfig(urls=False, shape=False)
    scores = {}
    for site_bias in (True, False):
        model = TextClassifier("spam", config=config, site_bias=site_bias)
        model.fit(SPAM + HAM, [1] * len(SPAM) + [0] * len(HAM), epochs=5)
        empty, neutral = model.score(""), model.score(NEUTRAL)
        copy = TextClassifier.from_bytes(model.to_bytes())  # the setting survives a round trip
        for text in SPAM[:8]:
            copy.learn(text, 1)
        scores[site_bias] = (copy.score("") - empty, copy.score(NEUTRAL) - neutral)
        assert copy.score(SPAM_UNSEEN[0]) > model.score(SPAM_UNSEEN[0])
    assert scores[True][0] > 0.01  # with a bias, spam decisions raise every score…
    assert scores[False][0] == 0.0  # …without one, a comment sharing no words is untouched
    assert scores[False][1] < scores[True][1]


def test_shipped_spam_model_keeps_its_site_bias_fixed() -> None:
    spam = load_starting_model("spam")
    before = spam.score(SPAM_UNSEEN[1])
    for text in SPAM:
        spam.learn(text, 1)
    assert spam.score(SPAM_UNSEEN[1]) > before
    site = json.loads(spam.to_json())["site"]
    assert site["bias"] == 0.0 and site["learn_bias"] is False, site


@pytest.mark.parametrize("kind", ["spam", "abuse"])
def test_score_and_explain_agree_with_score_and_explain(kind: str) -> None:
    model = load_starting_model(kind)
    model.learn("Resale ferry passes, message me for a code", 1.0)
    for text in [
        "",
        "Check out my channel http://x.example subscribe!!",
        "They need to be taken down...hard",
        "Good on you, Lena, good on you. " * 20,
    ]:
        score, features = model.score_and_explain(text, k=5)
        assert score == pytest.approx(model.score(text), abs=1e-9)
        assert features == model.explain(text, k=5)
