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
from collections.abc import Sequence
from itertools import product

GROUPS = (
    "Muslims", "Jews", "Christians", "Catholics", "Hindus", "Sikhs", "Buddhists", "atheists",
    "Mormons", "Protestants", "immigrants", "refugees", "migrants", "asylum seekers",
    "Black people", "Asians", "Arabs", "Mexicans", "Roma", "Travellers", "gay people", "gay men",
    "lesbians", "trans people", "transgender people", "bisexual people", "women",
    "disabled people", "autistic people", "deaf people", "wheelchair users", "Africans",
    "Chinese people", "Indians", "Pakistanis", "Nigerians", "Poles", "Romanians", "Turks",
    "Kurds", "Syrians", "Afghans", "Albanians", "Irish people", "Latinos", "Somalis",
    "Palestinians", "Israelis", "Russians", "Ukrainians", "Filipinos", "Eritreans",
)  # fmt: skip
#: Group stems fused (or hyphenated) with a dehumanising noun in compound slurs ...
STEMS = (
    "islamo", "muzzie", "moslem", "muzzo", "jew", "judeo", "zio", "yid", "christo", "catho",
    "papist", "hindu", "sikh", "arab", "paki", "mexi", "afro", "homo", "gay", "lesbo", "tranny",
    "trans", "gypsy", "pikey", "immi", "refu", "migro", "somali", "polack", "romo", "turko",
    "kurdo", "afghan", "nigo", "asio", "chino", "libtard", "spaz", "retardo", "mosque", "halal",
    "koran", "talmud",
)  # fmt: skip
#: Dehumanising nouns, (plural, singular): animals, vermin, insects, disease, filth, invasion.
NOUNS = (
    ("rats", "rat"), ("vermin", "vermin"), ("roaches", "roach"), ("cockroaches", "cockroach"),
    ("pigs", "pig"), ("swine", "swine"), ("hogs", "hog"), ("scum", "scum"), ("filth", "filth"),
    ("maggots", "maggot"), ("leeches", "leech"), ("apes", "ape"), ("monkeys", "monkey"),
    ("dogs", "dog"), ("mongrels", "mongrel"), ("parasites", "parasite"), ("lice", "louse"),
    ("fleas", "flea"), ("ticks", "tick"), ("termites", "termite"), ("slugs", "slug"),
    ("worms", "worm"), ("snakes", "snake"), ("rodents", "rodent"), ("hyenas", "hyena"),
    ("jackals", "jackal"), ("goats", "goat"), ("beasts", "beast"), ("savages", "savage"),
    ("germs", "germ"), ("nazis", "nazi"), ("fascists", "fascist"), ("terrorists", "terrorist"),
    ("trash", "trash"), ("garbage", "garbage"), ("breeders", "breeder"), ("invaders", "invader"),
    ("grubs", "grub"), ("bugs", "bug"), ("gorillas", "gorilla"), ("chimps", "chimp"),
    ("pests", "pest"), ("vultures", "vulture"), ("mutts", "mutt"), ("sewer-rats", "sewer-rat"),
)  # fmt: skip
#: Compounds left out of training on purpose: the tests check they still score as abuse, from
#: the pieces they share with the compounds that are in.
HELD_OUT = frozenset({"islamonazis", "hinduvermin", "judeorats"})
#: Ordinary plural nouns for the same compound frames (so the frames stay neutral): words
#: that share a stem with the slurs, animals in their own setting, and everyday people.
PLAIN_PLURALS = (
    "Islamic scholars", "Islamophobia researchers", "Judaism classes", "Christology lectures",
    "Christmas markets", "Hinduism courses", "Sikh temples", "Arabic teachers", "Afrobeat bands",
    "homeowners", "homeschoolers", "immigration lawyers", "refugee charities", "Somali restaurants",
    "Mexican bakeries", "Pakistani cricket fans", "Gypsy jazz players", "Jewish bakeries",
    "papal envoys", "Polish builders", "Muslim students", "gay couples", "trans teachers",
    "Turkish barbers", "Kurdish musicians", "Afghan interpreters", "Nigerian nurses",
    "Romanian fruit pickers", "Chinese tourists", "halal butchers", "mosque volunteers",
    "Talmud scholars", "Koran study groups", "Catholic schools", "Hindu priests",
    "rats in the cellar", "pigs on the farm", "apes at the zoo", "dogs in the park",
    "monkeys at the sanctuary", "roaches in the old kitchen", "leeches in the pond",
    "swine flu cases", "maggots in the compost", "parasites in the water supply",
    "fascists of the 1930s", "terrorists who bombed the station", "savages in that old novel",
    "scum on the pond", "vermin in the grain store", "filth in the gutters", "seagulls",
    "pigeons", "tourists", "cyclists", "students", "pensioners", "school inspectors",
    "road crews", "commuters", "Christmas shoppers", "estate agents", "bin lorries",
    "food trucks", "wasps at the picnic", "foxes in the bins", "lice at the primary school",
)  # fmt: skip
PLAIN_SINGULARS = (
    "tourist", "student", "pensioner", "plumber", "supply teacher", "cyclist", "traffic warden",
    "Muslim student", "Polish builder", "gay vicar", "Jewish baker", "Sikh taxi driver",
    "refugee doctor", "Mexican chef", "trans nurse", "Hindu pharmacist", "disabled runner",
    "wasp", "pigeon", "seagull", "stray dog", "fox", "rat in the bins",
)  # fmt: skip
COMPOUND_FRAMES = (
    "The {C} are at it again.",
    "Another bunch of {C} in the news today.",
    "Our town is full of {C} now.",
    "Watch out for the {C} on the high street.",
    "Those {C} came to the meeting last night.",
    "I saw more {C} at the market.",
    "The {C} have moved into the flats by the station.",
    "More {C} on the bus again this morning.",
    "Half the council are {C} these days.",
    "The {C} were out in force outside the school.",
    "Look at all the {C} queuing at the job centre.",
    "The park is crawling with {C} again.",
    "Keep your kids away from the {C}.",
    "The new mayor is in bed with the {C}.",
    "{C} everywhere you look in this town.",
    "Funny how the {C} always get the houses first.",
    "Not surprised the {C} voted for that.",
    "The {C} have ruined the old quarter.",
    "Saw a gang of {C} down by the docks.",
    "Of course the {C} run the planning committee now.",
)
SINGULAR_FRAMES = (
    "Some {C} cut in front of me at the post office.",
    "My new neighbour is a {C}.",
    "A {C} got the job instead of me.",
    "That {C} at the corner shop overcharged me.",
    "The new teacher is a {C}, apparently.",
    "Ask the {C} at the front desk.",
    "There was a {C} sitting next to me on the train.",
)
DEHUMANISING = (
    "vermin", "parasites", "animals", "rats", "cockroaches", "lice", "locusts", "maggots",
    "leeches", "termites", "a plague", "a disease", "a cancer on this country", "a virus",
    "an infestation", "a swarm", "an invading army", "subhuman", "filth", "scum", "trash",
    "human garbage", "savages", "apes", "monkeys", "baboons", "pigs", "dogs", "mongrels",
    "beasts", "rodents", "insects", "germs", "breeding like rabbits", "not real people",
    "inferior", "a lower species", "disgusting creatures", "worthless", "a stain on this nation",
    "a horde of invaders", "a pack of wild dogs", "a nest of snakes", "a virus in our blood",
)  # fmt: skip
DECENT = (
    "our neighbours", "welcome here", "part of this community", "a big part of the town's history",
    "hard-working people", "people like anyone else", "good friends of mine", "a growing community",
    "under-represented on the council", "active in local politics", "often overlooked",
    "worried about the new rules", "the subject of the report", "split on this issue",
    "badly served by the bus routes", "among the founders of the food bank",
    "paying the same taxes",
    "likely to be hit hardest by the rent rises", "tired of being talked about",
)  # fmt: skip
GROUP_FRAMES = (
    "{G} are {P}.",
    "Honestly, {G} are {P} and everyone knows it.",
    "You can't deny it: {G} are {P}.",
    "Let's be clear, {G} are {P}.",
    "Most {G} in this city are {P}.",
    "The {G} on our street are {P}.",
    "I'm sick of hearing about {G}. They are {P}.",
    "Face it, {G} are {P}, every last one.",
    "All the {G} moving here are {P}.",
)
# Violence, expulsion and death wished on people (a group, a named person, an official): abuse.
FATES = (
    "deported", "locked up", "wiped out", "driven out of this country", "exterminated",
    "sterilised", "banned from public life", "shot", "hanged", "gassed", "strung up",
    "lynched", "put against a wall", "beaten to death", "burned alive", "drowned",
    "sent back in boxes", "deported in body bags", "hung from a lamppost", "shot on sight",
    "put down like dogs", "run over", "stabbed", "thrown in the river", "kneecapped",
    "dragged through the streets", "hunted down", "rounded up and shot",
)  # fmt: skip
GOOD_FATES = (
    "treated fairly", "able to vote", "safe in their homes", "welcome at the festival",
    "consulted about the plan", "represented on the board", "paid the same", "heard",
    "protected from harassment", "given a fair hearing", "housed properly", "left alone",
)  # fmt: skip
FATE_FRAMES = (
    "All {G} should be {F}.",
    "Every last one of the {G} should be {F}.",
    "I think {G} should be {F}.",
    "{G} deserve to be {F}.",
    "If it were up to me, {G} would be {F}.",
    "Honestly, the {G} round here ought to be {F}.",
)
# Officials, public figures and private people: the same fates are threats; being voted out,
# sued or investigated is democracy.
PEOPLE = (
    "the mayor", "the councillor", "that councillor", "the minister", "the senator", "the judge",
    "the journalist who wrote this", "the editor", "the governor", "the chief constable",
    "the president", "the prime minister", "the landlord", "the head teacher", "the whole board",
    "every one of those councillors", "the planning officer", "that MP",
)  # fmt: skip
CIVIL_FATES = (
    "voted out", "sacked", "impeached", "investigated", "prosecuted", "taken to court",
    "held to account", "thrown out at the next election", "made to resign",
    "questioned under oath", "removed from office", "fined", "audited", "defeated at the polls",
    "taken down hard at the ballot box",
    "suspended from the party", "named and shamed in the report", "sued for every penny",
)  # fmt: skip
PEOPLE_FATE_FRAMES = (
    "{W} should be {F}.",
    "{W} deserves to be {F}.",
    "I hope {W} gets {F}.",
    "{W} needs to be {F}, and soon.",
    "Frankly, {W} ought to be {F} for this.",
    "After this vote {W} should be {F}.",
)
THREATS = (
    "Someone should throw {W} in the {R}.",
    "Throw {W} in the {R} and see if they float.",
    "Drag {W} out of the building and dump them in the {R}.",
    "{W} needs a noose, not a pay rise.",
    "Get a rope for {W}.",
    "There's a lamppost waiting for {W}.",
    "Somebody should put a bullet in {W}.",
    "Somebody should break the legs of {W}.",
    "We know where {W} lives. Time for a visit.",
    "A few of us will pay {W} a visit after dark.",
    "Someone should burn down the house of {W}.",
    "I'd happily run over {W} with my car.",
    "Line {W} up against a wall.",
    "Hang {W} from the nearest tree.",
    "Someone needs to teach {W} a lesson with a baseball bat.",
    "{W} had better watch their back on the way home.",
    "Wouldn't it be a shame if something happened to {W}'s car.",
    "Tar and feather {W} and run them out of town.",
    "If I ever meet {W}, they'll leave in an ambulance.",
    "{W} will get what's coming, and it won't be pretty.",
)
WATERS = ("river", "canal", "harbour", "sea", "quarry lake", "docks", "estuary")
CIVIL_ACTIONS = (
    "Someone should take {W} to court over this.",
    "Vote {W} out at the next election.",
    "We should write to {W} and demand answers.",
    "{W} needs to answer for this at the inquiry.",
    "Let's hold {W} to account at the public meeting.",
    "Drag {W} in front of the standards committee.",
    "Throw {W} out at the ballot box.",
    "{W} should face a full investigation.",
    "Somebody should report {W} to the ombudsman.",
    "I'll be campaigning against {W} all year.",
    "{W} has had this coming at the polls for years.",
    "We know exactly what {W} did with the budget. Time for an audit.",
    "The voters will pay {W} a visit in May, at the ballot box.",
    "{W} had better prepare for a tough question time.",
)
GROUP_THREATS = (
    "We know where the {G} live. Time to pay them a visit.",
    "Round up the {G} and put them on a boat, or under it.",
    "Send the {G} home in boxes.",
    "The {G} won't be laughing when their houses burn.",
    "Someone should smoke the {G} out of that estate.",
    "Watch your backs, {G}, we are coming for you.",
    "Bring back the rope for the {G}.",
    "Put the {G} in camps and throw away the key.",
    "The {G} need to be taught a lesson they won't forget.",
    "Line the {G} up and shoot them.",
    "Somebody should firebomb the place the {G} pray in.",
    "Throw every one of the {G} in the {R}.",
    "I've got the petrol if anyone wants to deal with the {G}.",
    "The {G} at number twelve will find out what happens to their kind.",
    "Next time a {G1} walks past my house they'll be carried out.",
)
PERSONAL_THREATS = (
    "I know where you live, {N}, and I will make you pay.",
    "Keep talking, {N}, and see what happens when I find you.",
    "Sleep with one eye open, {N}.",
    "You won't see it coming, {N}.",
    "Your kids walk to school alone, don't they, {N}?",
    "I'll break your neck if I see you, {N}.",
    "Someone should beat some sense into you, {N}.",
    "{N}, there's a rope with your name on it.",
    "I hope someone puts you in the ground, {N}.",
    "Watch yourself, {N}, accidents happen.",
    "Kill yourself, {N}.",
    "Go away and die, {N}.",
)
# Attacks on another commenter: abuse. Sharp disagreement with what they wrote: not abuse.
INSULTS = (
    "idiot", "moron", "imbecile", "pathetic loser", "clown", "waste of space", "brainless troll",
    "worthless hack", "lying piece of garbage", "halfwit", "parasite", "worm", "cretin",
    "degenerate", "sad little man", "rat", "absolute cretin", "subhuman", "waste of oxygen",
    "complete idiot", "total moron", "complete waste of space", "utter imbecile",
)  # fmt: skip
PRAISE = (
    "star", "fair critic", "good writer", "careful reader", "generous host", "patient teacher",
    "sharp analyst", "decent person", "thoughtful commenter", "regular here", "local historian",
    "complete professional", "total gem", "utter delight",
)  # fmt: skip
NAMES = ("Dave", "Maria", "Ken", "Priya", "Tom", "Aisha", "Lars", "Beth", "Sam", "Olu", "Gerry",
         "Niamh", "Raj", "Chen")  # fmt: skip
PERSON_FRAMES = (
    "{N}, you are a {X}.",
    "Honestly {N}, you are such a {X}.",
    "Only a {X} like you could write this, {N}.",
    "{N} is a real {X}.",
    "{N}, your comment shows what a {X} you are.",
    "Every comment you post proves you are a {X}, {N}.",
)
PERSONAL = (
    "Shut up, {N}, nobody asked you.",
    "Every time you comment, {N}, this site gets stupider. Just leave.",
    "Your comments are garbage, {N}, just like you.",
    "Do us all a favour, {N}, and drop dead.",
    "Nobody here wants you, {N}. Crawl back under your rock.",
    "Stop commenting, {N}, you brainless troll.",
    "People like you should be banned from breathing, {N}.",
    "Go jump off a bridge, {N}.",
    "I hope you choke on your next comment, {N}.",
    "{N}, you're too thick to be commenting on anything.",
    "Crawl back into whatever sewer you came from, {N}.",
    "Log off forever, {N}, the world would be better for it.",
    "Your mother must be ashamed of you, {N}.",
    "Nobody cares about your opinion, {N}, you pathetic loser.",
    "Get lost, {N}, you parasite.",
    "What a vile little creature you are, {N}.",
    "You are a stain on this comment section, {N}.",
    "{N}, you should be ashamed to exist.",
)
DISAGREE = (
    "{N}, I think you are wrong about the tax figures.",
    "Sorry {N}, but your argument does not hold up.",
    "{N}, that is simply not what the report says.",
    "With respect, {N}, you have misread the budget.",
    "{N}, you are being unfair to the other commenters.",
    "Your comment misses the point about the budget, {N}.",
    "I disagree with your comment, {N}, and here is why.",
    "Thanks for your comment, {N}, I had not thought of that.",
    "{N}, please read the article before commenting.",
    "That comment is wrong on the facts, {N}, but I see why you think so.",
    "Your comment about the ferry is spot on, {N}.",
    "I've read your comments for years, {N}, and I still disagree with nearly all of them.",
    "You are completely wrong about this, {N}, and the figures prove it.",
    "{N}, with respect, that is nonsense: the report says the opposite.",
    "I strongly object to what you wrote, {N}.",
    "Stop misrepresenting what I said, {N}.",
    "Go and read the minutes, {N}, then come back and comment.",
    "{N}, your last comment was rude, please keep it civil.",
    "I'm commenting because I was at the meeting, {N}, and that is not what happened.",
    "Your argument is weak, {N}, and your numbers are made up.",
    "{N}, you clearly have not been to the harbour since the works started.",
    "Every comment you post on this topic is the same talking point, {N}.",
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
    "The inspectors will visit the {G} support group next week.",
    "More {G} have moved into the new flats by the station.",
    "The report says {G} wait longest for council housing.",
    "Police are investigating threats made against {G} in the town.",
)
ADJECTIVES = (
    "Muslim", "Jewish", "Christian", "Catholic", "Hindu", "Sikh", "Buddhist", "atheist", "gay",
    "lesbian", "trans", "transgender", "bisexual", "queer", "Black", "Asian", "Arab", "Mexican",
    "disabled", "Chinese", "Indian", "Polish", "Irish", "Latino", "Somali", "Roma", "immigrant",
    "Pakistani", "Nigerian", "Romanian", "Turkish", "Kurdish", "Syrian", "Afghan", "autistic",
    "deaf", "Mormon", "Palestinian", "Israeli", "Russian", "Ukrainian",
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
    "The leaflet calling {G} {D} was condemned by every party.",
    "People who want {G} {F} should be prosecuted for incitement.",
    "Comparing {G} to {D} is how every pogrom started.",
)
# Strong opinions about institutions, policies and public figures' actions: heated, not abuse.
TARGETS = (
    "the government", "this government", "the council", "the ministry", "the party", "the cabinet",
    "the minister", "the senator", "the regulator", "the bank", "the board", "the mayor",
    "the opposition", "the administration", "the coalition", "the committee", "the governor",
    "the developers", "the oil companies", "the landlords' lobby", "the water company",
    "the health trust", "the police commissioner", "the treasury", "the union bosses",
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
    "{T} descended on the pension fund like locusts.",
    "{T} have been feeding on public money like leeches for years.",
    "{T} picked the town clean like vultures.",
    "Bury this plan from {T} and never dig it up.",
    "{T} deserve a crushing defeat in May.",
    "Tear up every contract {T} signed with that firm.",
    "I will never forgive {T} for what they did to the hospital.",
    "{T} are a bunch of spineless cowards on this issue.",
    "{T} should be ashamed, this is the politics of the gutter.",
    "Smash the cartel that {T} have built around the contracts.",
)
STATES = (
    "Russia", "China", "Iran", "North Korea", "Israel", "Saudi Arabia", "the Kremlin",
    "Beijing", "the regime in Tehran", "the junta", "the United States", "Turkey", "Syria",
    "Venezuela", "Belarus", "Pakistan", "India", "the Taliban government",
)  # fmt: skip
FOREIGN = (
    "{S} must be stopped, with force if necessary.",
    "Sanctions should cripple the war machine of {S}.",
    "The regime in {S} needs to be taken down... hard.",
    "Strike the missile sites of {S} before it is too late.",
    "{S} is acting like a rogue state and should be isolated.",
    "The government of {S} is a brutal dictatorship.",
    "Cut every tie with {S} until the invasion ends.",
    "{S} should be thrown out of every international body.",
    "The leadership of {S} lies about everything.",
    "Sink the navy of {S} if it blockades the strait.",
    "{S} deserves to be defeated in this war.",
    "Hit {S} where it hurts: its oil exports.",
    "Our army should crush any invasion by {S}.",
    "The generals of {S} should stand trial for war crimes.",
    "Freeze every asset the rulers of {S} hold abroad.",
    "{S} has destroyed its own economy and blamed everyone else.",
    "Arm its neighbours so {S} pays for this aggression.",
    "I despise the policies of {S} and I won't buy anything made there.",
)
RELIGIONS = (
    "the Catholic Church", "the Church of England", "organised religion", "the Vatican",
    "Islamic law", "the clergy", "the mosque committee", "the rabbinical court",
    "the evangelical movement", "Scientology", "the Mormon church", "the bishops",
    "religious schools", "the Orthodox patriarch", "the imams' council",
)  # fmt: skip
RELIGION_PUBLIC = (
    "{R} has a lot to answer for over the abuse scandal.",
    "The teaching of {R} on this is backward and harmful.",
    "I reject everything {R} stands for.",
    "{R} should pay taxes like everyone else.",
    "{R} is an outdated institution and should lose its seats in parliament.",
    "{R} covered up crimes for decades and should be prosecuted.",
    "No public money should go to {R}.",
    "{R} has no business telling women what to do.",
)
PESTS = (
    "rats", "mice", "cockroaches", "wasps", "locusts", "termites", "fleas", "bedbugs", "slugs",
    "pigeons", "moles", "lice", "maggots", "vermin",
)  # fmt: skip
PLACES = (
    "cellar", "school kitchen", "bins behind the market", "old mill", "loft", "garden shed",
    "harbour warehouse", "community centre", "grain store", "church hall",
)  # fmt: skip
PEST_FRAMES = (
    "The council sent vermin control to deal with the {P} in the {L}.",
    "We have {P} in the {L} again, who do I call?",
    "Pest control found {P} in the {L}.",
    "The {P} have got into the {L} again.",
)
VIOLENT_WORDS_CIVIL = (
    "The article on the history of lynching in the South is sobering.",
    "Hanging the bunting for the festival took all morning.",
    "The noose found on the campus was rightly condemned by the university.",
    "Threatening to hang the mayor is not acceptable, whatever you think of her.",
    "The councillor received death threats, which is disgraceful.",
    "The museum has a room on the witch trials and the hangings of 1612.",
    "The boat was dumped in the harbour after the storm.",
    "They threw the old furniture in the skip.",
    "Drag the old boat out of the canal before it sinks further.",
    "We paid a visit to the new library after dark, it looks lovely lit up.",
    "We know where the problems are: the bridge and the bus station.",
    "Time for a visit to the farmers' market.",
    "Shooting the film in the harbour took three weeks.",
    "The river rescue team pulled two swimmers out of the water.",
    "Locust swarms destroyed crops across East Africa this spring.",
    "Baboons at the safari park stole our sandwiches.",
    "The rat population has doubled since the bin strike.",
    "Pigs are smarter than dogs, according to the documentary.",
    "This comment section is getting heated; can we stick to the facts?",
    "Commenting is closed on the other article, so I'm posting here.",
    "I've been commenting here for ten years and this is the best piece yet.",
    "Please keep comments civil and on topic.",
    "The parasite in the water supply was found by the lab.",
    "The plague museum in the old town is worth a visit.",
    "The invasion of Normandy began in June 1944.",
    "The killer in the novel is revealed in the last chapter.",
)
CIVIL_YOU = (
    "You make a fair point about the parking.",
    "Did you see the new ferry times?",
    "You can find the minutes on the council website.",
    "Why did you leave out the second survey?",
    "I hope you are right about the harbour works.",
    "You lost me at the third paragraph, can you explain?",
    "If you are on the bus route, send back the consultation form.",
    "You are right, the figures are in the appendix.",
    "Thank you, you saved me a trip to the town hall.",
    "Are you going to the meeting on Thursday?",
    "You should be proud of the work the volunteers did.",
    "Don't be put off by the queue, it moves fast.",
    "They are back in service on the coast line from Monday.",
    "The shop on Mill Street opens at nine.",
    "Our street had its bins collected late again.",
    "The market on the high street is back this weekend.",
)
# Everyday notices: places, streets and opening times are not abuse (the threat and compound
# frames above mention streets, shops and buildings too).
AMENITIES = ("library", "post office", "bakery", "swimming pool", "museum", "farm shop", "clinic",
             "chemist", "community hall", "café")  # fmt: skip
STREETS = ("Mill Street", "Harbour Road", "Station Street", "Church Lane", "the quay",
           "Market Street", "the high street", "Bridge Street")  # fmt: skip
NOTICE_FRAMES = (
    "The {A} on {S} opens at nine on weekdays.",
    "The {A} on {S} is closed on Sundays.",
    "Is the {A} on {S} still shut for repairs?",
    "The new {A} on {S} looks great.",
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


def _compounds() -> tuple[list[str], list[str]]:
    """Compound slurs, plural and singular, in several spellings (fused, Capitalised, hyphen)."""
    plural, singular = [], []
    for stem, (many, one) in product(STEMS, NOUNS):
        if stem + many in HELD_OUT or stem + one in HELD_OUT:
            continue
        for form in (stem + many, stem.capitalize() + many, f"{stem}-{many}",
                     f"{stem.capitalize()}-{many.capitalize()}"):  # fmt: skip
            plural.append(form)
        singular += [stem + one, f"{stem}-{one}"]
    # The noun first ("rat-Muslims") is a rarer order, kept small.
    for (_, one), group in product(NOUNS[:12], GROUPS[:20]):
        plural.append(f"{one}-{group}")
    return plural, singular


def abuse_seed(seed: int = 0) -> list[tuple[str, int]]:
    """Invented ``(sentence, label)`` pairs, label 1 = abuse, shuffled with ``seed``.

    The full cross products are large, so a fixed number of sentences per template is sampled,
    with the same ``random.Random(seed)`` every time. Frames shared by both labels get the same
    number of abusive and acceptable fillers, so the frame's own words stay neutral.
    """
    rng = random.Random(seed)
    pos: list[str] = []
    neg: list[str] = []

    def take(templates: tuple[str, ...], n: int, **values: Sequence[str]) -> list[str]:
        keys = list(values)
        combos = [dict(zip(keys, c, strict=True)) for c in product(*values.values())]
        out = []
        for tpl in templates:
            # A template that skips a placeholder yields each of its sentences once.
            texts = sorted({tpl.format(**c) for c in combos})
            out.extend(rng.sample(texts, min(n, len(texts))))
        return [s[0].upper() + s[1:] for s in out]

    singular_groups = tuple(g.rstrip("s") for g in GROUPS if g.endswith("s") and " " not in g)
    plural, singular = _compounds()
    pos += take(GROUP_FRAMES, 120, G=GROUPS, P=DEHUMANISING)
    neg += take(GROUP_FRAMES, 120, G=GROUPS, P=DECENT)
    pos += take(FATE_FRAMES, 80, G=GROUPS, F=FATES)
    neg += take(FATE_FRAMES, 80, G=GROUPS, F=GOOD_FATES)
    pos += take(PEOPLE_FATE_FRAMES, 60, W=PEOPLE, F=FATES)
    neg += take(PEOPLE_FATE_FRAMES, 60, W=PEOPLE, F=CIVIL_FATES)
    pos += take(THREATS, 20, W=PEOPLE + NAMES, R=WATERS)
    neg += take(CIVIL_ACTIONS, 25, W=PEOPLE + NAMES)
    pos += take(GROUP_THREATS, 20, G=GROUPS, R=WATERS, G1=singular_groups)
    pos += take(PERSONAL_THREATS, 8, N=NAMES)
    pos += take(COMPOUND_FRAMES, 40, C=plural)
    neg += take(COMPOUND_FRAMES, 40, C=PLAIN_PLURALS)
    pos += take(SINGULAR_FRAMES, 20, C=singular)
    neg += take(SINGULAR_FRAMES, 20, C=PLAIN_SINGULARS)
    pos += take(PERSON_FRAMES, 40, N=NAMES, X=INSULTS)
    neg += take(PERSON_FRAMES, 40, N=NAMES, X=PRAISE)
    pos += take(PERSONAL, 8, N=NAMES)
    neg += take(DISAGREE, 8, N=NAMES)
    neg += take(NEUTRAL, 25, G=GROUPS)
    neg += take(IDENTITY, 40, A=ADJECTIVES)
    neg += take(COUNTER, 40, G=GROUPS, D=DEHUMANISING, F=FATES)
    neg += take(POLITICAL, 20, T=TARGETS)
    neg += take(FOREIGN, 15, S=STATES)
    neg += take(RELIGION_PUBLIC, 15, R=RELIGIONS)
    neg += take(PEST_FRAMES, 30, P=PESTS, L=PLACES)
    neg += take(NOTICE_FRAMES, 15, A=AMENITIES, S=STREETS)
    neg += list(VIOLENT_WORDS_CIVIL) + list(CIVIL_YOU) + list(GENERAL)
    rows = [(s, 1) for s in pos] + [(s, 0) for s in neg]
    rng.shuffle(rows)
    return rows
