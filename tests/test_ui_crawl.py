"""Every page a role can reach reads as the staff's own language.

The crawler follows the back office's links from the dashboard, for each role
and in both languages, over the demo data set plus open matches, and fails on
what a non-technical user should never see: a raw vocabulary, rule or step key,
"None", "True" or "False", English words in the Italian UI (and Italian ones in
the English UI), and numbers or dates in the other locale's format.

One crawl per role and language over one SQLite database (the text of a page
does not depend on the engine); the number of pages is bounded.
"""
import datetime
import html as html_lib
import re
from collections import defaultdict, deque
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from admin import create_app
from conftest import PASSWORD, csrf_token, log_in
from housing import accounts, vocabulary

ROLES = ("admin", "operator", "clerk", "viewer")
MAX_PAGES = 160  # per role and language
PER_PATH = 2  # record pages visited per list (details, edit)

SKIP = re.compile(r"/(delete|export|ajax|action|logout|language|static|download|backup|run|publish)(/|$)")
SKIP_QUERY = {"sort", "desc", "page", "page_size", "search", "url"}


ITALIAN_WORDS = {"partner", "create"}  # keys that are also Italian words


def _record_keys():
    """Every coded value as a whole word; short or capitalised codes (energy classes, "IACP") excluded."""
    found = set()
    for name in dir(vocabulary):
        registry = getattr(vocabulary, name)
        if isinstance(registry, tuple) and registry and isinstance(registry[0], vocabulary.Term):
            for term in registry:
                if len(term.key) >= 4 and term.key.islower() and term.key not in ITALIAN_WORDS:
                    found.add(term.key)
    from housing.matching import rules
    from housing import workflow

    import models

    # Model class names made of several words ("PlanGoal", "FollowUpVisit") are never a word of the UI.
    found |= {model.__name__ for model in models.MODELS if sum(ch.isupper() for ch in model.__name__) > 1}
    found |= {key for key in _keys_of(rules) if "_" in key}
    found |= {key for key in _keys_of(workflow) if "_" in key}
    return found


def _keys_of(module):
    keys = set()
    for value in vars(module).values():
        if isinstance(value, (tuple, list)):
            for item in value:
                key = getattr(item, "key", None)
                if isinstance(key, str):
                    keys.add(key)
    return keys


ENGLISH_IN_ITALIAN = ("Failed", "success", "Case worker", "Su Mo", "Save", "Cancel", "Create", "Details",
                      "Select a", "Delete", "lexicographic", "weighted", "List", "Edit", "Filter", "Search",
                      "Remove", "Back", "Next", "Previous", "Yes", "Status", "Name", "Date", "Total", "Logout",
                      "Step", "Score", "Rule", "Offer", "Household", "Dwelling", "District", "Landlord",
                      "Agreement", "Tenancy", "Match", "Rent", "Income", "Priority", "Required", "Choose",
                      "Apply", "Reset", "Show", "Hide", "Close", "Submit", "Update", "Upload", "Download",
                      "Error", "Warning", "Invalid", "Page", "Actions", "Selected", "New")
# Not "Alloggio": the demo's places are named so (data, not interface).
ITALIAN_IN_ENGLISH = ("Nessun", "Salva", "Nuovo", "Elenco", "Modifica", "Nucleo", "Canone",
                      "Quartiere", "Nota", "Fascia", "Stato", "Sì", "Selezionare", "salvato", "Cerca", "Esporta",
                      "Elimina", "Annulla", "Crea", "Dettagli", "Filtro", "Aggiungi", "Rimuovi", "Indietro",
                      "Avanti", "Totale", "Esci", "Fase", "Punteggio", "Regola", "Offerta", "Locatore", "Reddito",
                      "Priorità", "Scegli", "Applica", "Mostra", "Chiudi", "Aggiorna", "Importa", "Errore",
                      "Pagina", "Azioni", "Selezionati")
RAW_WORDS = ("None", "True", "False")
# Numbers with a decimal separator of the other locale, and ISO or over-precise figures.
WRONG_NUMBER = {
    # "(2.1)" is an ETHOS category's number, not a decimal.
    "it": re.compile(r"(?<![\d.,/(])\d+\.\d{1,2}(?![\d.,)])"),  # "0.48", "98.8%": Italian writes 0,48
    "en": re.compile(r"(?<![\d.,/(])\d+,\d{1,2}(?![\d.,)])"),  # "0,48" in the English UI
}
ANY_LOCALE = (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), re.compile(r"\d+[.,]\d{7,}"))  # ISO dates, 0.5543225...


def visible_text(page):
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    # a part marked as written in another language (a staff's English text on an Italian page) is data
    page_lang = (re.search(r'<html lang="(\w+)"', page) or [None, ""])[1]
    page = re.sub(r'(?is)<(span|textarea|p|div)\b[^>]*\blang="(?!' + page_lang + r'")\w+"[^>]*>.*?</\1>', " ", page)
    page = re.sub(r"(?is)<option\b[^>]*>", " ", page)  # keep option text, not its value
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    page = html_lib.unescape(page)
    # Flask-Admin keeps the blank inline row as escaped HTML text: strip it once unescaped.
    page = re.sub(r"(?is)<option\b[^>]*>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return " ".join(page.split())


def problems(text, lang, raw_keys):
    found = []
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    if lang == "en":  # most keys are English words; only the coded-looking ones are wrong there
        raw_keys = {key for key in raw_keys if "_" in key or any(ch.isdigit() for ch in key) or not key.islower()}
    found += [f"raw key {key!r}" for key in sorted(raw_keys & words)]
    found += [f"{word!r}" for word in RAW_WORDS if word in words]
    for phrase in (ENGLISH_IN_ITALIAN if lang == "it" else ITALIAN_IN_ENGLISH):
        if re.search(r"(?<![A-Za-zÀ-ú])" + re.escape(phrase) + r"(?![A-Za-zÀ-ú])", text):
            found.append(f"{'English' if lang == 'it' else 'Italian'} {phrase!r}")
    for pattern in (WRONG_NUMBER[lang], *ANY_LOCALE):
        for hit in pattern.findall(text)[:3]:
            found.append(f"format {hit!r}")
    return found


def normalise(url):
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/admin") or SKIP.search(parts.path):
        return None
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k not in SKIP_QUERY and not k.startswith("flt")}
    return parts.path + ("?" + urlencode(sorted(query.items())) if query else "")


def crawl(client):
    """Pages reached from the dashboard: {url: text}, bounded."""
    seen, pages, per_path = set(), {}, defaultdict(int)
    queue = deque(["/admin/"])
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = url.split("?")[0]
        if "?" in url:
            if per_path[path] >= PER_PATH:
                continue
            per_path[path] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        pages[url] = page
        for href in re.findall(r'href="([^"#]+)"', page):
            target = normalise(html_lib.unescape(href))
            if target and target not in seen:
                queue.append(target)
    return pages


def add_matches():
    import models as m

    households = list(m.Household.select().where(m.Household.status == "waiting").limit(3))
    offers = list(m.Offer.select().limit(3))
    for household, offer in zip(households, offers):
        match = m.Match.create(household=household, offer=offer, route="private", step="proposed",
                               proposed_by="operator1", score_total=0.554322581569116)
        m.MatchEvent.create(match=match, actor="operator1", to_step="proposed")


DEMO_DAY = datetime.date(2026, 11, 2)


def demo_app(request, tmp_path_factory, name):
    """An app over a SQLite database holding the demo data (scale 0.1) and open matches;
    the caller adds what it needs inside ``app.extensions["database"].connection_context()``."""
    from conftest import module_db_url
    from housing import demo

    request.param = "sqlite"
    url = module_db_url(request, tmp_path_factory, name)
    app = create_app({"TESTING": True, "ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": url,
                      "SESSION_COOKIE_SECURE": False})
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.1, today=DEMO_DAY)
        add_matches()
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory, request):
    app = demo_app(request, tmp_path_factory, "crawl")
    with app.extensions["database"].connection_context():
        for role in ROLES:
            accounts.create_user(f"{role}1", role, PASSWORD, full_name=f"Utente {role.upper()}")
    yield app
    if not app.extensions["database"].is_closed():
        app.extensions["database"].close()


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_speaks_the_users_language(world, role, lang):
    client = world.test_client()
    assert log_in(client, f"{role}1").status_code == 302
    client.post(f"/auth/language/{lang}", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    raw_keys = _record_keys()
    pages = crawl(client)
    assert len(pages) > 10, sorted(pages)
    report = {}
    for url, page in pages.items():
        found = problems(visible_text(page), lang, raw_keys)
        if found:
            report[url] = found
    assert not report, f"{len(report)} of {len(pages)} pages:\n" + "\n".join(
        f"{url}: {', '.join(found)}" for url, found in sorted(report.items()))
