"""Byline's own labelled seed sentences for the abuse model (all invented here, none copied).

The public data the starting weights learn from are tweets (Davidson et al.) picked because
they contain slurs or swearing. From them a model learns "swear word = abusive", but almost
nothing about the two things a commentary blog needs most:

* **group-directed abuse without swearing**: dehumanising a religion, ethnicity, nationality,
  sexuality, gender or disability ("<group> are vermin"), calls to expel or hurt a group, and
  compound slurs that fuse a group's name with an insult (``<group-stem><insult>``);
* **strong opinion that is not abuse**: heated attacks on a *policy, government, party or
  company* ("they need to be taken down… hard"), neutral and positive mentions of identity
  groups, and counter-speech.

These templates fill the gap. They are generated deterministically, so training is
reproducible, and they are small (~2,000 sentences). HateCheck (the functional test suite
used in the bench) was **not** used to write them; it stays a held-out evaluation.
A few compounds (:data:`HELD_OUT`) are deliberately absent so the tests can check that an
unseen compound slur still scores high from the pieces it shares with others.
"""

from __future__ import annotations

import random
from itertools import product

GROUPS = (
    "Muslims", "Jews", "Christians", "Catholics", "Hindus", "Sikhs", "Buddhists", "atheists",
    "immigrants", "refugees", "migrants", "Black people", "Asians", "Arabs", "Mexicans", "Roma",
    "gay people", "lesbians", "trans people", "bisexual people", "women", "disabled people",
    "Africans", "Chinese people", "Indians", "Poles", "Irish people", "Latinos", "Somalis",
)  # fmt: skip
# Stems that get fused with an insult in compound slurs ...
STEMS = (
    "islamo", "muzzie", "jew", "judeo", "christo", "hindu", "sikh", "papist", "arab", "paki",
    "mexi", "afro", "homo", "tranny", "gypsy", "immi", "refu", "somali", "polack", "libtard",
)  # fmt: skip
INSULT_SUFFIXES = (
    "rats", "vermin", "roaches", "pigs", "scum", "filth", "maggots", "leeches", "apes",
    "swine", "parasites", "fascists", "terrorists", "savages", "monkeys", "dogs", "nazis",
)  # fmt: skip
#: Compounds left out of training on purpose: the tests check they still score as abuse, from
#: the pieces they share with the compounds that are in.
HELD_OUT = frozenset({"islamonazis", "hinduvermin", "judeorats"})
# ... and ordinary words that share those stems or those insults, so neither half is damning
# on its own: the model has to learn the fusion.
STEM_WORDS = (
    "Islamic scholars", "Islamophobia researchers", "Judaism classes", "Christology lectures",
    "Christmas markets", "Hinduism courses", "Sikh temples", "Arabic teachers", "Afrobeat bands",
    "homeowners", "homeschoolers", "immigration lawyers", "refugee charities", "Somali restaurants",
    "Mexican bakeries", "Pakistani cricket fans", "Gypsy jazz players", "Jewish bakeries",
    "papal envoys", "Polish builders",
)  # fmt: skip
ANIMAL_WORDS = (
    "rats in the cellar", "pigs on the farm", "apes at the zoo", "dogs in the park",
    "monkeys at the sanctuary", "roaches in the old kitchen", "leeches in the pond",
    "swine flu cases", "maggots in the compost", "parasites in the water supply",
    "fascists of the 1930s", "terrorists who bombed the station", "savages in that old novel",
    "scum on the pond", "vermin in the grain store", "filth in the gutters",
)  # fmt: skip
DEHUMANISING = (
    "vermin", "parasites", "animals", "rats", "cockroaches", "a plague", "a disease", "subhuman",
    "filth", "scum", "savages", "a cancer on this country", "a virus", "breeding like rabbits",
    "not real people", "inferior", "a lower species", "disgusting creatures", "worthless",
)  # fmt: skip
DECENT = (
    "our neighbours", "welcome here", "part of this community", "a big part of the town's history",
    "hard-working people", "people like anyone else", "good friends of mine", "a growing community",
    "under-represented on the council", "active in local politics", "often overlooked",
    "worried about the new rules", "the subject of the report",
)  # fmt: skip
FATES = (
    "deported", "locked up", "wiped out", "driven out of this country", "exterminated",
    "sterilised", "banned from public life", "shot", "hanged", "gassed",
    "sent back where they came from",
)  # fmt: skip
GOOD_FATES = (
    "treated fairly", "able to vote", "safe in their homes", "welcome at the festival",
    "consulted about the plan", "represented on the board", "paid the same", "heard",
)  # fmt: skip
# Frames shared by abusive and acceptable fillers (minimal pairs), so the frame words are
# neutral and the filler decides.
GROUP_FRAMES = (
    "{G} are {P}.",
    "Honestly, {G} are {P} and everyone knows it.",
    "You can't deny it: {G} are {P}.",
    "Let's be clear, {G} are {P}.",
    "Most {G} in this city are {P}.",
)
FATE_FRAMES = (
    "All {G} should be {F}.",
    "Every last one of the {G} should be {F}.",
    "I think {G} should be {F}.",
)
HATEFUL = (
    "We need to get rid of the {G} before it is too late.",
    "Never trust {G}, they are all liars and thieves.",
    "{G} are too stupid to be allowed to vote.",
    "I really hate {G}, every single one of them.",
    "I despise {G} with every fibre of my being.",
    "{G} ruin every neighbourhood they move into.",
    "{G} do not deserve to live among decent people.",
    "Keep the {G} out of our town.",
    "The world would be a better place without {G}.",
    "{G} are born criminals.",
    "No {G} should ever be allowed to teach children.",
    "Somebody should burn down the places where {G} meet.",
    "It is time to take care of the {G} problem for good.",
    "If you are one of the {G} you are worthless to me.",
    "Typical {G}, lying and stealing as usual.",
)
COMPOUND_FRAMES = (
    "The {C} are at it again.",
    "Another bunch of {C} in the news today.",
    "Our town is full of {C} now.",
    "Watch out for the {C} on the high street.",
    "Those {C} came to the meeting last night.",
    "I saw more {C} at the market.",
)
INSULTS = (
    "idiot", "moron", "imbecile", "pathetic loser", "clown", "waste of space", "brainless troll",
    "worthless hack", "lying piece of garbage", "halfwit",
)  # fmt: skip
PRAISE = (
    "star", "fair critic", "good writer", "careful reader", "generous host", "patient teacher",
    "sharp analyst", "decent person",
)  # fmt: skip
NAMES = ("Dave", "Maria", "Ken", "Priya", "Tom", "Aisha", "Lars", "Beth", "Sam", "Olu")
PERSON_FRAMES = (
    "{N}, you are a {X}.",
    "Honestly {N}, you are such a {X}.",
    "Only a {X} like you could write this, {N}.",
    "{N} is a real {X}.",
)
PERSONAL = (
    "Shut up, {N}, nobody asked you.",
    "Go away and die, {N}.",
    "I know where you live, {N}, and I will make you pay.",
    "Kill yourself, {N}.",
    "Someone should beat some sense into you, {N}.",
)
DISAGREE = (
    "{N}, I think you are wrong about the tax figures.",
    "Sorry {N}, but your argument does not hold up.",
    "{N}, that is simply not what the report says.",
    "With respect, {N}, you have misread the budget.",
    "{N}, you are being unfair to the other commenters.",
)
NEUTRAL = (
    "My neighbours are {G} and they invited us to dinner.",
    "Many {G} live in this part of the city.",
    "The survey asked {G} about the cost of housing.",
    "The article looks at the history of {G} in the region.",
    "The council met representatives of {G} on Tuesday.",
    "Several {G} spoke at the public hearing about the bridge.",
    "I grew up with {G} and went to school with them.",
    "The book discusses how {G} were treated in the 1950s.",
    "As one of the {G} on this street, I support the new bus route.",
    "I stand with {G} against hate.",
    "Some of the kindest people I know are {G}.",
    "{G} deserve the same rights as everyone else.",
)
# Adjective forms, for ordinary first-person and neighbourly mentions (Dixon et al. 2018 found
# that a lack of such non-toxic identity examples is what makes classifiers flag the words).
ADJECTIVES = (
    "Muslim", "Jewish", "Christian", "Catholic", "Hindu", "Sikh", "Buddhist", "atheist", "gay",
    "lesbian", "trans", "transgender", "bisexual", "queer", "Black", "Asian", "Arab", "Mexican",
    "disabled", "Chinese", "Indian", "Polish", "Irish", "Latino", "Somali", "Roma", "immigrant",
)  # fmt: skip
IDENTITY = (
    "I am {A} and I agree with most of this article.",
    "As a {A} reader, I found the piece fair.",
    "My sister is {A} and she teaches at the primary school.",
    "Our {A} neighbours run the bakery on the corner.",
    "The {A} community centre reopens next week after the repairs.",
    "{A} families have lived on this street for generations.",
    "Speaking as a {A} parent, the school bus change worries me.",
    "The new councillor is {A}, which the article does not mention.",
    "We are {A} and we vote in every local election.",
)
COUNTER = (
    "Calling {G} {D} is hateful, and it has no place here.",
    "Saying that all {G} should be {F} is disgusting.",
    "Stop spreading lies about {G}.",
    "Anyone who thinks {G} are {D} needs to meet some of them.",
    "I reported the comment that said {G} are {D}.",
)
# Strong opinions about institutions, policies and public figures' actions: heated, not abuse.
TARGETS = (
    "the government", "this government", "the council", "the ministry", "the party", "the cabinet",
    "the minister", "the senator", "the regulator", "the bank", "the board", "the mayor",
    "the opposition", "the administration", "the coalition", "the committee", "the governor",
    "the developers", "the oil companies", "the landlords' lobby",
)  # fmt: skip
POLITICAL = (
    "{T} need to be taken down... hard.",
    "{T} must be voted out at the next election.",
    "This policy from {T} is a disgrace.",
    "{T} are lying about the budget and they know it.",
    "I despise what {T} did to the housing plan.",
    "I hate this new policy from {T}.",
    "{T} should resign in shame over this.",
    "We have to fight {T} on this with everything we have.",
    "{T} are destroying public services and should be stopped.",
    "Scrap this rotten bill from {T} now.",
    "{T} betrayed every voter in this town.",
    "Crush {T} at the ballot box!",
    "{T} are completely incompetent and corrupt.",
    "Throw {T} out, every last one of them, at the polls.",
    "The decision by {T} is an attack on working families.",
    "{T} have blood on their hands over the hospital closures.",
    "Shame on {T} for this cowardly decision.",
    "{T} should be investigated and prosecuted for this fraud.",
    "This is the worst budget {T} have ever produced.",
    "Kill this bill before {T} ruin the harbour.",
)
GENERAL = (
    "The library opens at nine on Saturdays.",
    "Thanks for the detailed write-up, it answered my question.",
    "I think the second chart is mislabelled.",
    "Great post, the photos of the harbour are lovely.",
    "Does anyone know when the ferry timetable changes?",
    "I disagree with the conclusion but the argument is well made.",
    "That band killed it last night, what a show.",
    "This recipe is the bomb, my kids loved it.",
    "The traffic on the bridge was murder this morning.",
    "I hate Mondays, and I hate rain even more.",
    "I hate pizza with pineapple on it.",
    "The new stadium is a monstrosity and a waste of money.",
    "The referee was terrible and the team played like rubbish.",
    "My cat is a little monster at four in the morning.",
    "The deadline is brutal, but we will make it.",
    "Who else thinks the sequel was a total disaster?",
)


def abuse_seed(seed: int = 0) -> list[tuple[str, int]]:
    """Invented ``(sentence, label)`` pairs, label 1 = abuse, shuffled with ``seed``.

    The full cross products are large, so a fixed share of them is sampled, with the same
    ``random.Random(seed)`` every time.
    """
    rng = random.Random(seed)
    pos: list[str] = []
    neg: list[str] = []

    def take(templates: tuple[str, ...], share: float, **values: tuple[str, ...]) -> list[str]:
        keys = list(values)
        combos = [dict(zip(keys, c, strict=True)) for c in product(*values.values())]
        out = []
        for tpl in templates:
            # A template that skips a placeholder yields each of its sentences once.
            texts = sorted({tpl.format(**c) for c in combos})
            n = max(1, round(len(texts) * share))
            out.extend(rng.sample(texts, n))
        return [s[0].upper() + s[1:] for s in out]

    pos += take(GROUP_FRAMES, 0.08, G=GROUPS, P=DEHUMANISING)
    neg += take(GROUP_FRAMES, 0.1, G=GROUPS, P=DECENT)
    pos += take(FATE_FRAMES, 0.12, G=GROUPS, F=FATES)
    neg += take(FATE_FRAMES, 0.15, G=GROUPS, F=GOOD_FATES)
    pos += take(HATEFUL, 0.3, G=GROUPS)
    compounds = tuple(s + x for s, x in product(STEMS, INSULT_SUFFIXES) if s + x not in HELD_OUT)
    pos += take(COMPOUND_FRAMES, 0.12, C=compounds)
    neg += take(COMPOUND_FRAMES, 1.0, C=STEM_WORDS + ANIMAL_WORDS)
    pos += take(PERSON_FRAMES, 0.6, N=NAMES, X=INSULTS)
    neg += take(PERSON_FRAMES, 0.6, N=NAMES, X=PRAISE)
    pos += take(PERSONAL, 0.6, N=NAMES)
    neg += take(DISAGREE, 0.6, N=NAMES)
    neg += take(NEUTRAL, 0.5, G=GROUPS)
    neg += take(IDENTITY, 1.0, A=ADJECTIVES)
    neg += take(COUNTER, 0.03, G=GROUPS, D=DEHUMANISING, F=FATES)
    neg += take(POLITICAL, 0.8, T=TARGETS)
    neg += list(GENERAL)
    rows = [(s, 1) for s in pos] + [(s, 0) for s in neg]
    rng.shuffle(rows)
    return rows
