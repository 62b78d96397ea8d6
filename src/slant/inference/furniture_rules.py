"""Why a line is page furniture: a small multilingual rule layer that names the reason.

The learned line model (:mod:`slant.inference.furniture`) decides *whether* a line is furniture;
these rules give the reason users audit (``cookie``, ``newsletter``, ``caption``, ...) and catch
short prompts on their own. Patterns are stems and phrases in en, de, es, fr, pt, it, pl, ru, uk,
nl, tr, sv and more, anchored to short lines, so a news sentence that mentions cookies survives.
"""

from __future__ import annotations

import re

MAX_RULE_CHARS = 160  # a longer line is reporting, whatever words it contains ...
MAX_BANNER_CHARS = 600  # ... except a cookie or paywall banner, which runs long
MAX_REPEATED_WORDS = 12

_FLAGS = re.IGNORECASE | re.VERBOSE
# reason -> pattern; the first that matches names the reason.
RULES: dict[str, re.Pattern] = {name: re.compile(pattern, _FLAGS) for name, pattern in {
    "cookie": r"""(cookie|куки|쿠키|クッキー|ciasteczk).*(site|web|page|browser|experience|einstellung|richtlinie|polic|polít|polit
          |utiliz|usamos|\buse[sd]?\b|verwend|nutz|akzept|accept|acept|aceit|gestion|préférence|preference
          |paramètre|configura|impostazion|ustawieni|настройк|использ|zustimm|allow|erlaub|permit)
        | (site|web|page|browser|\buse[sd]?\b|utiliz|usamos|verwend|nutz|utilis|использ|używ|manage|gérer|gestion|verwalt).*(cookie|куки|쿠키|クッキー|ciasteczk)
        | ^(accept|allow|reject|decline|aceptar|rechazar|accepter|refuser|aceitar|rejeitar|recusar|accetta
          |rifiuta|akceptuj|odrzuć|принять|отклонить)\b.{0,30}(cookie|куки|ciasteczk)\w*\s*[.!]?\s*$
        | ^(cookies?|cookie[ ]settings)\s*$ | \bgdpr\b | \brgpd\b | \bdsgvo\b | we[ ]value[ ]your[ ]privacy
        | (privacy|datenschutz|privacidad|confidentialité|privacidade|riservatezza|prywatności|конфиденциальност)
          [ -]?(policy|settings|erklärung|einstellungen|hinweis)?\s*$
        | ^(política|politique|política|informativa)[ ]de[ ]?(privacidad|confidentialité|privacidade|privacy)
        | you'?re[ ](fine|ok)[ ]with[ ]this | ^(accept|reject|decline|agree|i[ ]agree|akzeptieren|ablehnen|zustimmen
          |aceptar|rechazar|accepter|refuser|aceitar|rejeitar|recusar|accetta|accetto|rifiuta|akceptuj|odrzuć
          |принять|отклонить|согласен|accepteren|weigeren|kabul[ ]et|reddet)(\s+(all|alle|todo|todas|tout|tutti))?\s*[.!]?\s*$""",
    "newsletter": r"""(^\W*(\w+\W+){0,3}|\b(our|unse?r\w*|nuestr\w*|notre|nos|noss\w*|nostr\w*|nasz\w*|наш\w*|free|gratis|kostenlos\w*|daily|weekly)\s+(\w+\s+)?)
          (newsletter|boletín|infolettre|lettre[ ]d'information|rundbrief|nieuwsbrief|рассылк|розсилк|biuletyn)
        | \b(in|to)[ ]your[ ]inbox | \b(à[ ]la|a[ ]la|to[ ]the|zum|al)[ ]newsletter | in[ ]ihr(em)?[ ]postfach | en[ ]tu[ ](bandeja|correo) | dans[ ]votre[ ]boîte | ^(sign[ ]up|subscribe|abonnieren|suscr[ií]b|abonne|inscr|assin|iscriv|subskryb|zapisz
          |подпиш|підпиш|abone[ ]ol)\w*(\s+\S+){0,4}\s*[.!]?\s*$
        | thanks?[ ](you[ ])?for[ ](signing|subscribing) | danke[ ]für[ ]ihre[ ]anmeldung | gracias[ ]por[ ]suscribirte
        | merci[ ]pour[ ]votre[ ]inscription | obrigad[oa][ ]por[ ](se[ ])?(inscrever|assinar) | grazie[ ]per[ ](l'iscrizione|esserti)
        | (your|ihre|tu|votre|seu|sua|la[ ]tua|twój|ваш)[ ](e-?mail|correo|adresse|endereço)""",
    "form": r"""something[ ]went[ ]wrong | ^oops | try[ ]again | (versuchen[ ]sie[ ]es[ ])?erneut[ ]versuchen | versuchen[ ]sie[ ]es[ ](erneut|noch[ ]einmal|später) | ist[ ]ein[ ]fehler | inténtalo[ ]de[ ]nuevo
        | ha[ ]ocurrido[ ]un[ ]error | réessayer | une[ ]erreur | tente[ ]novamente | ocorreu[ ]um[ ]erro | riprova | si[ ]è[ ]verificato
        | spróbuj[ ]ponownie | wystąpił[ ]błąd | попробуйте[ ](снова|ещё|еще) | произошла[ ]ошибка | спробуйте[ ]ще
        | ^(submit|send|senden|absenden|enviar|envoyer|invia|wyślij|отправить|search|suche|buscar|rechercher|pesquisar|cerca
          |szukaj|поиск|loading|wird[ ]geladen|cargando|chargement|carregando|caricamento|ładowanie|загрузка)(\.{3}|…)?\s*$
        | (required|pflichtfeld|obligatorio|obligatoire|obrigatório|obbligatorio|wymagane|обязательное)""",
    "share": r"""^(share|teile|compart|partag|partilh|condivid|udostępn|подели|поділи|delen|paylaş|dela)\w*\b
        | ^(tweet|whatsapp|facebook|twitter|linkedin|pinterest|telegram|reddit|e-?mail|print|drucken|imprimir|imprimer|stampa
          |drukuj|печать|copy[ ]link|link[ ]kopieren|copiar[ ]enlace|copier[ ]le[ ]lien|copiar[ ]link|copia[ ]link)\s*$
        | ^(follow|folgen[ ]sie|síguenos|suivez-nous|siga-nos|segue-nos|seguici|obserwuj|подписывайтесь[ ]на[ ]нас|volg[ ]ons)\b""",
    "navigation": r"""^(read|see|watch)[ ](more|also|next)\b | ^related\b | ^more[ ](on|from|about|in)\b | ^top[ ]stories | ^most[ ](read|popular|viewed)
        | ^trending | ^(back[ ]to|zurück[ ]zu(r|m)?|volver[ ]a|retour[ ]à|voltar[ ]para|torna[ ]a)\b | ^weitere[ ]beiträge | ^(next|previous)[ ](article|story|post) | ^skip[ ]to | ^back[ ]to[ ]top | ^(home|menu|startseite|inicio|accueil|início)\s*$
        | lesen[ ]sie[ ](auch|mehr) | ^mehr[ ](zum[ ]thema|dazu|aus|von) | ^weitere[ ](artikel|nachrichten|themen) | könnte[ ]sie[ ]auch[ ]interessieren
        | ^(lee|leer|lea)\b([ ](también|más))?\s*(:|$) | ^(lee|leer|lea)[ ](también|más) | relacionad[oa]s?\s*$ | recomendad[oa]s?\s*$
        | ^(recommended|empfohlen|recommandé|consigliat)\w*\s*(for[ ]you|für[ ]sie|pour[ ]vous|per[ ]te)?\s*$ | ^pour[ ]approfondir
        | ^articles?[ ](correspondants|connexes|similaires) | ^te[ ]puede[ ]interesar | ^(noticias|artículos)[ ]relacionad | ^más[ ](noticias|sobre|de)\b
        | ^(à[ ])?lire[ ](aussi|également|la[ ]suite) | ^sur[ ]le[ ]même[ ]sujet | ^voir[ ](aussi|plus) | ^articles?[ ]liés
        | ^(leia|veja)[ ](também|mais) | ^(notícias|matérias)[ ]relacionadas | ^saiba[ ]mais
        | ^leggi[ ](anche|di[ ]più) | ^potrebbe[ ]interessarti | ^(articoli|notizie)[ ]correlat
        | ^czytaj[ ](też|także|więcej|dalej) | ^zobacz[ ](też|także|więcej) | ^читайте[ ](также|тоже|також) | ^(по[ ]теме|ещё[ ]по[ ]теме|еще[ ]по[ ]теме)
        | ^lees[ ](ook|meer) | ^(devamını[ ]oku|ilgili[ ]haberler) | ^läs[ ](också|mer) | ^(.{1,40}\s[>›»]\s){2,}""",
    "caption": r"""^(image|media|video|photo)[ ]caption | ^caption\b | ^(bildunterschrift|bildbeschreibung|leyenda|légende|legenda|didascalia
        |podpis[ ]zdjęcia|подпись[ ]к[ ]фото|bijschrift)\b | ^(video|watch|listen|audio|galerie|gallery|galería|diaporama)\s*[:|]""",
    "credit": r"""^(image|photo|picture|bild|foto|imagen|crédit|credit|crédito|credito|zdjęcie|фото)(\s+(source|credit|copyright|de))?\s*[:©]
        | ^(image|photo|picture)[ ](source|credit|copyright) | getty[ ]images | picture[ ]alliance | shutterstock | ^©
        | ^(copyright|urheberrecht)\b | all[ ]rights[ ]reserved | alle[ ]rechte[ ]vorbehalten | todos[ ]los[ ]derechos
        | tous[ ]droits[ ]réservés | todos[ ]os[ ]direitos | tutti[ ]i[ ]diritti | wszelkie[ ]prawa | все[ ]права[ ]защищены
        | ^(crédit|crédito|credito)[ ](photo|foto) | \b(afp|reuters|ap|dpa|efe|epa|ansa|getty|imago|keystone)\s*/\s*\w+\s*$""",
    "advertisement": r"""^(advertisement|advertising|ad|anzeige|werbung|publicidad|anuncio|publicité|publicidade|pubblicità|reklama|реклама
        |advertentie|reklam|sponsored|gesponsert|patrocinado|sponsorisé|sponsorizzato|sponsorowane|партнерский[ ]материал)\s*[:.]?\s*$
        | ^(paid|partner|sponsored)[ ](content|post) | ^(contenu|contenido|conteúdo|contenuto)[ ](sponsorisé|patrocinado|sponsorizzato)""",
    "comment": r"""^(\d+\s+)?(comments?|kommentare?|comentarios?|commentaires?|comentários?|commenti|komentarz[ey]?|комментари[йяи]|reacties|yorumlar?)\s*(\(\d+\))?\s*$
        | (leave|add|post|write)[ ]a[ ]comment | ^(vos|tus|sus|ihre|your|i[ ]vostri|seus)[ ](réactions|commentaires|comentarios|kommentare|comments|commenti|comentários)
        | (para|pour|um|to|per)[ ](comentar|commenter|zu[ ]kommentieren|comment|commentare)\b | be[ ]the[ ]first[ ]to[ ]comment | join[ ]the[ ](conversation|discussion)
        | kommentar[ ]schreiben | deja[ ](un|tu)[ ]comentario | laisser[ ]un[ ]commentaire | deixe[ ](um|seu)[ ]comentário
        | lascia[ ]un[ ]commento | dodaj[ ]komentarz | оставить[ ]комментарий | ^(reply|antworten|responder|répondre|rispondi|odpowiedz|ответить)\s*$""",
    "paywall": r"""subscribers?[ ]only | pour[ ]lire[ ]la[ ]suite | accéder[ ]en[ ]illimité | hazte[ ]miembro | para[ ]seguir[ ]leyendo
        | um[ ]weiterzulesen | per[ ]continuare[ ]a[ ]leggere | para[ ]continuar[ ]lendo | to[ ]continue[ ]reading | continue[ ]reading | already[ ]a[ ]subscriber | free[ ]articles?[ ](left|remaining)
        | weiterlesen[ ]mit | wählen[ ]sie[ ]ihren[ ]zugang | bereits[ ]abonnent | \babo\b | exclusivo[ ]para[ ](suscriptores|assinantes)
        | réservé[ ]aux[ ]abonnés | déjà[ ]abonné | riservato[ ]agli[ ]abbonati | (tylko[ ]dla[ ]prenumerator) | только[ ]для[ ]подписчиков
        | ^(log[ ]?in|sign[ ]in|anmelden|einloggen|iniciar[ ]sesión|se[ ]connecter|connexion|entrar|accedi|zaloguj|войти)\s*$""",
    "app": r"""(download|get|install)[ ](the|our)[ ]app | app[ ]store | google[ ]play | \bin[ ]der[ ]app\b | (descarga|baixe|scarica|pobierz|télécharge)\w*[ ](la|o|l'|nasz)?\s*(app|aplica)
        | (push|browser)[ -]?(notification|benachrichtigung) | (enable|activate|activer|activar|aktivieren)[ ]\w*[ ]?(notification|benachrichtigung|notificacion)
        | скачать[ ]приложение | завантажити[ ]додаток""",
}.items()}

# The lead word in any case ("BY", "Von"); the names capitalised, so "By most accounts" is no byline.
BYLINE = re.compile(r"^(?i:by|von|par|por|di|door|av|autor(in)?:?|автор:?|written[ ]by|reporting[ ]by|texto:?|text:?)\s+"
                    r"[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻА-ЯЁІЇЄ][\w'.-]+(\s+(and|und|y|et|e|i|и|&)?\s*[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻА-ЯЁІЇЄ][\w'.-]+){0,4}"
                    r"\s*(,.*|\|.*|[-–—].*)?$")
LONE_BYLINE = re.compile(r"^(by|von|par|por|di|door|av|autor|autorin|автор)\s*:?\s*$", re.IGNORECASE)  # name on the next line
MONTHS = (r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|dezember|ene|abr|ago|dic"
          r"|janv|févr|mars|avr|juin|juil|août|sept|déc|fev|out|dez|gen|mag|giu|lug|ott|sty|lut|kwi|maj|cze|lip|sie|wrz|paź|lis|gru"
          r"|январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр")
TIMESTAMP_WORDS = re.compile(
    r"\b(updated|published|posted|last[ ]updated|aktualisiert|veröffentlicht|publiziert|erschienen|stand|actualizado|publicado|mis[ ]à[ ]jour|publié|le"
    r"|atualizado|aggiornato|pubblicato|zaktualizowano|opublikowano|обновлено|опубликовано|am|on|at|um|el|à|em|il|de|del|du|à"
    r"|uhr|h|gmt|utc|cet|cest|est|edt|pst|ist|bst|am|pm|ago|vor|hace|il[ ]y[ ]a|há|fa|temu|назад|minutes?|hours?|days?|minuten|stunden"
    r"|tagen|minutos|horas|días|heures?|jours|ore|giorni|minut|godzin|минут|час[аов]*|дн[ейя]"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|segunda|terça|quarta|quinta|sexta|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica)\b\.?"
    r"|\b(" + MONTHS + r")\w*\.?",
    re.IGNORECASE)
DATE_NUMBERS = re.compile(r"\d{1,4}([./:-]\d{1,4}){0,2}(st|nd|rd|th|er|º|\.)?")
# "BERLIN, 3 March" or "PARIS (AFP) —" alone on a line: a place in capitals, then an agency or a separator.
DATELINE = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁ][A-ZÀ-ÖØ-ÞА-ЯЁ .'-]{2,30}(\s*\([A-Za-z .]+\)\s*[,:—–-]?|\s*[,:—–-]\s*[\w .]{0,20})\s*$")
OUTLET = re.compile(r"""^(the[ ])?([\w'.&-]+\s){0,3}(news|times|post|journal|herald|tribune|guardian|telegraph|gazette|daily|weekly
    |chronicle|observer|independent|express|mail|zeitung|rundschau|allgemeine|kurier|anzeiger|diario|periódico|heraldo|gaceta
    |journal|quotidien|gazzetta|corriere|gazeta|jornal|folha|estadão|газета|новости|известия|ведомости|nieuws|krant|haber|radio|tv)
    (\s[\w'.&-]+){0,2}\s*$""", re.IGNORECASE | re.VERBOSE)


def is_timestamp(line: str) -> bool:
    """Whether a short line is only a date, a time or "updated 3 hours ago" in some language."""
    if len(line) > 80 or not re.search(r"\d", line) and not re.search(r"\b(ago|vor|hace|назад|temu)\b", line, re.I):
        return False
    rest = DATE_NUMBERS.sub(" ", TIMESTAMP_WORDS.sub(" ", line))
    return len(re.sub(r"[\W_]+", "", rest)) <= 2


def rule_reason(line: str, repeats_headline: bool = False, inside: bool = False) -> str:
    """The furniture reason a rule gives ``line`` (stripped), or ``""`` when no rule fires.

    Args:
        line: one line or sentence of page text.
        repeats_headline: the line repeats the document's first line (a headline repeated at the end).
        inside: the line is a fragment inside a sentence (an inline link's text); only phrase rules
            apply, not the layout ones (byline, timestamp, dateline, outlet, repeated).

    >>> rule_reason("Thanks for signing up!")
    'newsletter'
    >>> rule_reason("The bakery sold 4,000 cookies and a newsletter praised it, officials said on Monday.")
    ''
    """
    line = line.strip()
    if not line or len(line) > MAX_BANNER_CHARS:
        return ""
    short = len(line) <= MAX_RULE_CHARS
    for reason, pattern in RULES.items():
        if (short or reason in ("cookie", "paywall")) and pattern.search(line):
            return reason
    if not short or inside:
        return ""
    if BYLINE.match(line) and not line.endswith((".", "!", "?")) or LONE_BYLINE.match(line):
        return "byline"
    if is_timestamp(line):
        return "timestamp"
    if DATELINE.match(line) and len(line.split()) <= 4:
        return "dateline"
    if OUTLET.match(line) and not re.search(r"[.!?:]$", line):
        return "outlet"
    if repeats_headline and len(line.split()) <= MAX_REPEATED_WORDS and not re.search(r"[.!?…\"”»]$", line):
        return "repeated"
    return ""
