"""Made-up people for the demo data: UK names, e-mails at example domains, Ofcom drama-range phone numbers."""

import random

from tracker.demo.chance import between, choice
from tracker.patients.names import name_key

# A UK mix, accents and apostrophes included, so search by folded name keys gets exercised.
FEMALE_FIRST = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Freya", "Ella", "Chloë", "Zoë",
    "Hannah", "Jessica", "Charlotte", "Ruby", "Evie", "Poppy", "Megan", "Lauren", "Rebecca", "Laura", "Sarah",
    "Emma", "Katie", "Holly", "Bethan", "Ffion", "Cerys", "Seren", "Eilidh", "Mhairi", "Kirsty", "Siobhán",
    "Aoife", "Niamh", "Róisín", "Orla", "Saoirse", "Caoimhe", "Priya", "Aisha", "Fatima", "Zainab", "Amara",
    "Chiamaka", "Yasmin", "Maryam", "Anaïs", "Renée", "Agnieszka", "Zofia", "Mei", "Leah", "Jasmine", "Abigail",
)
MALE_FIRST = (
    "Oliver", "George", "Harry", "Jack", "Noah", "Charlie", "Thomas", "James", "William", "Daniel", "Liam",
    "Ethan", "Callum", "Jamie", "Lewis", "Rhys", "Dylan", "Gethin", "Iwan", "Euan", "Ruaridh", "Seán",
    "Ciarán", "Eoin", "Oisín", "Darragh", "Mohammed", "Ibrahim", "Arjun", "Rohan", "Kwame", "Tobi", "Chidi",
    "Tomasz", "Jakub", "José", "Matteo", "Ryan", "Connor", "Kieran", "Joshua", "Samuel", "Adam", "Ben",
)
LAST = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore",
    "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson",
    "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Ali", "Ahmed", "Hussain", "Shah", "Okafor",
    "Mensah", "Adeyemi", "Nowak", "Kowalski", "Campbell", "Stewart", "MacDonald", "McLeod", "Fraser", "Reid",
    "Llewellyn", "Pritchard", "Vaughan", "O'Connor", "O'Brien", "O'Neill", "O'Sullivan", "McCarthy", "Byrne",
    "Ní Bhriain", "Ó Súilleabháin", "Doherty", "Gallagher", "Quinn", "Smith-Jones", "Lloyd-Williams", "Brontë",
    "Wong", "Chen", "Nguyen", "Fernández", "Müller", "Dubois",
)
DOMAINS = ("example.com", "example.org", "example.net")

# Ofcom's ranges for drama: numbers that belong to nobody. E.164 prefixes; each range is the prefix + 000-999.
MOBILE_PREFIXES = ("+447700900",)
LANDLINE_PREFIXES = (
    "+441134960", "+441144960", "+441154960", "+441164960", "+441174960", "+441184960",  # 0113-0118 496 0xxx
    "+441214960", "+441314960", "+441414960", "+441514960", "+441614960",  # 0121-0161 496 0xxx
    "+442079460",  # 020 7946 0xxx
    "+441914980",  # 0191 498 0xxx
    "+442896496",  # 028 9649 6xxx
    "+442920180",  # 029 2018 0xxx
    "+441632960",  # 01632 960xxx
)


class PhoneDeck:
    """Drama-range numbers dealt without replacement, reshuffled only when all are used, so most are unique."""

    def __init__(self, rng: random.Random, prefixes: tuple[str, ...]):
        self.rng = rng
        self.prefixes = prefixes
        self.cards: list[int] = []

    def deal(self) -> str | None:
        """The next number, or None once the deck is empty."""
        if not self.cards:
            return None
        card = self.cards.pop()
        return f"{self.prefixes[card // 1000]}{card % 1000:03d}"

    def refill(self) -> None:
        """Put every number back, in a new order."""
        self.cards = list(range(len(self.prefixes) * 1000))
        self.rng.shuffle(self.cards)


class People:
    """Deals names, e-mails and phone numbers from one seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.mobiles = PhoneDeck(rng, MOBILE_PREFIXES)
        self.landlines = PhoneDeck(rng, LANDLINE_PREFIXES)
        self.mobiles.refill()
        self.landlines.refill()
        self._keys: dict[str, str] = {}

    def name(self) -> tuple[str, str]:
        """A first and last name; about two in three enquirers are women."""
        firsts = FEMALE_FIRST if self.rng.random() < 0.66 else MALE_FIRST
        return choice(self.rng, firsts), choice(self.rng, LAST)

    def key(self, text: str) -> str:
        """name_key(text), remembered: the same few thousand names recur."""
        key = self._keys.get(text)
        if key is None:
            key = self._keys[text] = name_key(text)
        return key

    def email(self, first: str, last: str) -> str:
        """first.last, sometimes with digits, at an example domain."""
        local = f"{self.key(first).replace(' ', '')}.{self.key(last).replace(' ', '')}"
        if self.rng.random() < 0.5:
            local += str(between(self.rng, 1, 99))
        return f"{local}@{choice(self.rng, DOMAINS)}"

    def mobile(self) -> str:
        """A mobile number while any is unused, then a landline, then the decks start again."""
        number = self.mobiles.deal() or self.landlines.deal()
        if number is None:
            self.mobiles.refill()
            self.landlines.refill()
            number = self.mobiles.deal()
        return number

    def landline(self) -> str:
        """A landline number, unused while any is left."""
        number = self.landlines.deal()
        if number is None:
            self.landlines.refill()
            number = self.landlines.deal()
        return number
