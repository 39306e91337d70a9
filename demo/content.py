"""Demo catalogue content, written from the five source documents in shared/seeds.

Addresses, phone numbers and e-mail addresses are invented (example.no / example.dk).
"""

MUNICIPALITIES = [
    # slug, name, country, districts [(slug, name)]
    ("oslo", "Oslo", "NO", [("grorud", "Bydel Grorud"), ("gamle-oslo", "Bydel Gamle Oslo"), ("alna", "Bydel Alna")]),
    ("baerum", "Bærum", "NO", []),
    ("bergen", "Bergen", "NO", []),
    ("gladsaxe", "Gladsaxe", "DK", []),
]

TOPICS = [
    ("maskinstrikk", "Maskinstrikk"),
    ("vev", "Vev"),
    ("kreativ-som", "Kreativ søm"),
    ("lappesom", "Lappesøm"),
    ("keramikk", "Keramikk"),
    ("maling", "Maling"),
    ("handverk", "Håndverk"),
    ("mestring", "Mestring"),
    ("selvhjelp", "Selvhjelp"),
    ("recovery", "Recovery"),
    ("skriving", "Skriving"),
    ("samtale", "Samtale"),
    ("studieteknikk", "Studieteknikk"),
    ("frivillighet", "Frivillighet"),
    ("erfaringskompetanse", "Erfaringskompetanse"),
    ("fellesskap", "Fellesskap"),
]

PROVIDERS = [
    {
        "slug": "mas",
        "name": "MAS – Mestring-Aktivitet-Samspill",
        "kind": "foundation",
        "municipality": "oslo",
        "email": "post@mas.example.no",
        "phone": "22 00 10 10",
        "yearly_seat_budget": 240,
        "max_active_per_semester": 2,
        "description": (
            "MAS er en ideell stiftelse som gir mennesker en verdig hverdag gjennom kurs i kreative "
            "håndverksteknikker: maskinstrikk, vev, kreativ søm, lappesøm, keramikk og maling.\n\n"
            "MAS-metoden er å gi hver elev kreative utfordringer som styrker mestringsfølelsen. Håndverket er "
            "et middel til hjelp til selvhjelp: fokuset flyttes vekk fra sykdom og problemer og over på "
            "håndverk og sosialt samspill. Skolen har rundt 240 elevplasser i året, og åtte faste ansatte, "
            "de fleste med pedagogisk utdannelse og erfaring fra omsorgsyrker."
        ),
    },
    {
        "slug": "lms-grorud",
        "name": "Lærings- og mestringstilbudet i Bydel Grorud",
        "kind": "learning_mastery",
        "municipality": "oslo",
        "email": "mestring.grorud@example.no",
        "phone": "23 00 20 20",
        "description": "Bydelens diagnoseuavhengige lærings- og mestringskurs for voksne som lever med helseutfordringer.",
    },
    {
        "slug": "mestring-baerum",
        "name": "Lærings- og mestringssenteret i Bærum kommune",
        "kind": "learning_mastery",
        "municipality": "baerum",
        "email": "mestring@baerum.example.no",
        "phone": "67 00 30 30",
        "description": "Kommunale kurs om læring og mestring, åpne for alle voksne i Bærum.",
    },
    {
        "slug": "psykisk-helse-rus-baerum",
        "name": "Seksjon psykisk helse og rus, Bærum kommune",
        "kind": "municipal_service",
        "municipality": "baerum",
        "email": "recovery@baerum.example.no",
        "phone": "67 00 30 40",
        "description": (
            "Seksjonen jobber recoveryorientert: det som er viktig for mennesker i livene deres, betyr mer "
            "enn sykdom og diagnoser. Det finnes egne recoverykontakter i alle avdelinger."
        ),
    },
    {
        "slug": "mestring-bergen",
        "name": "Lærings- og mestringstilbudet i Bergen kommune",
        "kind": "learning_mastery",
        "municipality": "bergen",
        "email": "mestring@bergen.example.no",
        "phone": "55 00 40 40",
        "description": "Mestringskurs i Bergen for voksne som lever med helseutfordringer, og for pårørende.",
    },
    {
        "slug": "bergen-kommune-helse",
        "name": "Byrådsavdeling for helse og inkludering, Bergen kommune",
        "kind": "municipal_service",
        "municipality": "bergen",
        "email": "mb-utdanning@bergen.example.no",
        "phone": "55 00 40 50",
        "description": "Bergen kommune utdanner medarbeidere med brukererfaring til arbeid i psykiske helsetjenester.",
    },
    {
        "slug": "selvhjelp-norge",
        "name": "Selvhjelp Norge",
        "kind": "self_help",
        "municipality": "oslo",
        "email": "post@selvhjelp.example.no",
        "phone": "22 00 50 50",
        "description": (
            "Selvhjelp er for alle, uavhengig av diagnose, bakgrunn eller ståsted. Selvorganisert selvhjelp er "
            "kunnskap du tar i bruk i ditt eget liv. Selvhjelp Norge har distriktskontorer som hjelper grupper i "
            "gang, også for dem som vil fortsette i en gruppe etter Mestringstreff."
        ),
    },
    {
        "slug": "recoveryskolen-gladsaxe",
        "name": "Frivilligindsatsen og Recoveryskolen i Gladsaxe",
        "kind": "recovery_school",
        "municipality": "gladsaxe",
        "content_language": "da",
        "email": "recoveryskolen@gladsaxe.example.dk",
        "phone": "39 00 60 60",
        "description": (
            "Frivilligindsatsen skal modvirke ensomhed og isolation hos psykisk sårbare voksne. Vi tilbyder "
            "recoveryorienterede kurser, hvor formålet er læring – ikke terapi eller behandling – og vi "
            "uddanner og matcher frivillige mentorer og besøgsvenner, som ofte selv har erfaring fra psykiatrien.\n\n"
            "Kurserne danner grundlag for en Recoveryskole i Gladsaxe og for »Skolen på tværs« sammen med "
            "Region Hovedstadens Psykiatri og nabokommunerne."
        ),
    },
]

LOCATIONS = [
    {
        "key": "mas",
        "name": "MAS kultur- og aktivitetssenter",
        "street_address": "Verkstedveien 4",
        "postal_code": "0580",
        "city": "Oslo",
        "municipality": "oslo",
        "district": "alna",
        "transport": "T-bane til Økern, så fem minutter å gå. Buss 31 stopper rett utenfor.",
        "step_free": True,
        "hearing_loop": True,
        "accessible_toilet": True,
        "accessibility_notes": "Heis til verkstedene i 2. etasje. Rolig pauserom.",
    },
    {
        "key": "grorud",
        "name": "Grorud aktivitetshus",
        "street_address": "Grorudveien 10",
        "postal_code": "0976",
        "city": "Oslo",
        "municipality": "oslo",
        "district": "grorud",
        "transport": "T-bane linje 5 til Grorud stasjon, to minutter å gå.",
        "step_free": True,
        "hearing_loop": False,
        "accessible_toilet": True,
        "accessibility_notes": "",
    },
    {
        "key": "sandvika",
        "name": "Kulturhuset i Sandvika",
        "street_address": "Torget 2",
        "postal_code": "1337",
        "city": "Sandvika",
        "municipality": "baerum",
        "transport": "Fem minutter å gå fra Sandvika stasjon (tog og buss).",
        "step_free": True,
        "hearing_loop": True,
        "accessible_toilet": True,
        "accessibility_notes": "Store sal har teleslynge og plasser for rullestol.",
    },
    {
        "key": "baerum-lms",
        "name": "Lærings- og mestringssenteret, Bekkestua",
        "street_address": "Bekkestuveien 5",
        "postal_code": "1357",
        "city": "Bekkestua",
        "municipality": "baerum",
        "transport": "T-bane linje 3 til Bekkestua.",
        "step_free": False,
        "hearing_loop": False,
        "accessible_toilet": False,
        "accessibility_notes": "Tre trinn opp til inngangen. Gi beskjed, så møter vi deg ved bakinngangen uten trinn.",
    },
    {
        "key": "bergen",
        "name": "Bergen mestringshus",
        "street_address": "Kaigaten 8",
        "postal_code": "5015",
        "city": "Bergen",
        "municipality": "bergen",
        "transport": "Bybanen til Byparken, tre minutter å gå.",
        "step_free": True,
        "hearing_loop": True,
        "accessible_toilet": True,
        "accessibility_notes": "",
    },
    {
        "key": "gladsaxe",
        "name": "Frivillighedshuset i Gladsaxe",
        "street_address": "Søborg Hovedgade 100",
        "postal_code": "2860",
        "city": "Søborg",
        "municipality": "gladsaxe",
        "transport": "Bus 6A til Søborg Torv, to minutters gang.",
        "step_free": True,
        "hearing_loop": False,
        "accessible_toilet": True,
        "accessibility_notes": "Der er altid kaffe og et stille rum, hvis du får brug for en pause.",
    },
]

MAS_COURSES = [
    ("maskinstrikk", "Maskinstrikk", "Lær å strikke på maskin, fra enkle mønstre til egne plagg.", ["maskinstrikk", "handverk"]),
    ("vev", "Vev", "Vev på vevstol i et rolig verksted, i ditt eget tempo.", ["vev", "handverk"]),
    ("kreativ-som", "Kreativ søm", "Sy klær, vesker og det du har lyst til, med symaskin og for hånd.", ["kreativ-som", "handverk"]),
    ("lappesom", "Lappesøm", "Sett sammen stoffbiter til tepper og puter, og lær teknikkene bak.", ["lappesom", "handverk"]),
    ("keramikk", "Keramikk", "Form leire for hånd og på dreieskive, glasér og brenn dine egne ting.", ["keramikk", "handverk"]),
    ("maling", "Maling", "Mal med akryl og akvarell, og finn ditt eget uttrykk.", ["maling", "handverk"]),
]

MAS_DESCRIPTION = (
    "{title} er et av kursene på MAS, for deg mellom 18 og 67 år som lever med psykiske eller fysiske "
    "helseutfordringer. Du får kreative utfordringer tilpasset deg, og lærer håndverket i en liten gruppe "
    "med faste lærere.\n\n"
    "Undervisningen skal gi et trygt og stabilt miljø der du øver opp ferdighetene dine, styrker selvfølelsen "
    "og blir en del av et sosialt nettverk. Noen går på MAS ett semester, andre i mange år."
)
MAS_NEXT = (
    "De fleste kommer til MAS gjennom en henvisning fra en psykisk helsearbeider, for eksempel i bydelen. "
    "Du kan også søke selv. Etterpå blir du invitert til en uforpliktende prat og en omvisning i verkstedet. "
    "Elever som fortsetter, får melde seg på neste semester før påmeldingen åpner for nye."
)

MESTRINGSTREFF_THEMES = [
    "Å leve med helseutfordringer i hverdagen",
    "Mestring og egne ressurser",
    "Kommunikasjon og samspill med andre",
    "Motivasjon og endring",
    "Selvhjelp – å bruke egne erfaringer",
    "Veien videre",
]
MESTRINGSTREFF_DESCRIPTION = (
    "Mestringstreff er et diagnoseuavhengig kurs over seks samlinger for deg over 18 år som ønsker å treffe og "
    "lære av andre som også lever med helseutfordringer, få kunnskap og prøve ut ulike mestringsverktøy, og "
    "oppdage og utvikle tro på egne ressurser.\n\n"
    "Hver samling har sitt eget tema. Kurset ledes av en ansatt og en med egen erfaring. Etter kurset kan du "
    "fortsette i en selvhjelpsgruppe hvis du vil."
)

GLADSAXE_COURSES = [
    {
        "slug": "livshistorie",
        "title": "Livshistorie",
        "summary": "Arbejd med din egen historie og find mening i det, du har været ude for.",
        "description": (
            "På kurset Livshistorie arbejder vi med vores egne fortællinger. Du bestemmer selv, hvad du vil dele. "
            "Formålet er læring – ikke terapi – og at du kan skabe mening i det, du har været ude for i dit liv."
        ),
        "join": "open",
        "topics": ["recovery", "samtale"],
    },
    {
        "slug": "recoverycafe",
        "title": "Recoverycafe",
        "summary": "Kom forbi til kaffe, samtale og fællesskab med andre i recovery.",
        "description": (
            "Recoverycafeen er et uformelt mødested. Du behøver ikke at tilmelde dig – kom, når det passer dig. "
            "Frivillige peers er værter og tovholdere."
        ),
        "join": "drop_in",
        "topics": ["recovery", "fellesskap"],
    },
    {
        "slug": "skrivevaerksted",
        "title": "Skriveværksted",
        "summary": "Skriv sammen med andre, med små øvelser og uden krav.",
        "description": "I Skriveværkstedet skriver vi korte tekster ud fra øvelser. Alle kan være med, og ingen skal læse højt, hvis de ikke har lyst.",
        "join": "open",
        "topics": ["skriving", "recovery"],
    },
    {
        "slug": "studiemestring",
        "title": "Studiemestring",
        "summary": "Få redskaber til at komme i gang med uddannelse igen.",
        "description": "Studiemestring er for dig, der drømmer om at tage en uddannelse eller et kursus. Vi arbejder med planlægning, læsning og at finde sine egne løsninger.",
        "join": "open",
        "topics": ["studieteknikk", "recovery"],
    },
    {
        "slug": "samtalesalon",
        "title": "Samtalesalon",
        "summary": "Samtaler om emner, der betyder noget, i en tryg ramme.",
        "description": "I Samtalesalonen tager vi et nyt emne op hver gang – håb, venskab, arbejde, drømme. Du kan lytte eller tale, som du har lyst.",
        "join": "open",
        "topics": ["samtale", "fellesskap"],
    },
]
