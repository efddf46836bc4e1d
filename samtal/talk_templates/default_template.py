"""The built-in default template, as plain data (installed by builtin.default_template_install).

Every text exists in Swedish and English. The employee's preparation follows the headings of
ST's preparation checklist; the talk covers what DESIGN.md lists, with the work environment and
equal conditions (lika villkor) sections mandatory, a career section per researcher stage
(R1–R4) and one for employees who are managers themselves. Nothing here touches the database.
"""

from __future__ import annotations

import copy
from typing import Any

Text = dict[str, str]

EMPLOYEE_PREP = "employee_prep"
MANAGER_PREP = "manager_prep"
RECORD = "record"
SELF_EVALUATION = "self_evaluation"

RAISES_OBSERVATION = "raises_observation"
SALARY_BASIS = "salary_basis"
UPWARD_FEEDBACK = "upward_feedback"

_AGREE: dict[str, Text] = {
    "low": {"sv": "Instämmer inte alls", "en": "Strongly disagree"},
    "high": {"sv": "Instämmer helt", "en": "Strongly agree"},
}

_DEVELOPMENT_FORMS: list[Text] = [
    {"sv": "Kurs eller utbildning", "en": "Course or training"},
    {"sv": "Pröva nya arbetssätt eller metoder", "en": "Trying new ways of working or methods"},
    {"sv": "Studiebesök", "en": "Study visit"},
    {"sv": "Mentorskap", "en": "Mentoring"},
    {"sv": "Konferens eller nätverksträff", "en": "Conference or network meeting"},
    {
        "sv": "Lärande i det dagliga arbetet, t.ex. nya uppgifter",
        "en": "Learning on the job, e.g. new tasks",
    },
    {"sv": "Auskultation eller arbetsrotation", "en": "Job shadowing or job rotation"},
    {"sv": "Självstudier", "en": "Self-study"},
]

_NO_DETAILS_HELP: Text = {
    "sv": (
        "Beskriv inte vad som har hänt här – Samtal samlar inte in uppgifter om enskilda "
        "händelser. Svara bara ja eller nej. Arbetsgivarens rutin och vilka du kan vända dig "
        "till visas vid frågan. Ett ja betyder att chefen ser till att saken hanteras enligt "
        "rutinen. Du kan också kontakta HR, skyddsombudet eller ett fackligt ombud direkt, "
        "utan att gå via din chef."
    ),
    "en": (
        "Do not describe what happened here – Samtal does not collect details of individual "
        "incidents. Just answer yes or no. The employer's routine and the people you can turn "
        "to are shown next to the question. A yes means that the manager makes sure the matter "
        "is handled according to the routine. You can also contact HR, the safety "
        "representative or a union representative directly, without going through your manager."
    ),
}


def _q(
    key: str,
    type_: str,
    answered_by: str,
    text: Text,
    *,
    help_text: Text | None = None,
    scale: dict[str, Text] | None = None,
    choices: list[Text] | None = None,
    flags: tuple[str, ...] = (),
) -> dict[str, Any]:
    question: dict[str, Any] = {
        "key": key,
        "type": type_,
        "answered_by": answered_by,
        "text": text,
    }
    if help_text is not None:
        question["help"] = dict(help_text)
    if scale is not None:
        question["scale"] = copy.deepcopy(scale)
    if choices is not None:
        question["choices"] = copy.deepcopy(choices)
    question["flags"] = list(flags)
    return question


def _section(
    key: str,
    phase: str,
    title: Text,
    guidance: Text,
    questions: list[dict[str, Any]],
    *,
    audience: str = "all",
    career_stages: tuple[str, ...] = (),
    mandatory: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "phase": phase,
        "audience": audience,
        "career_stages": list(career_stages),
        "mandatory": mandatory,
        "title": title,
        "guidance": guidance,
        "questions": questions,
    }


# --- Preparation ------------------------------------------------------------------------------

_EMPLOYEE_PREPARATION = _section(
    "employee_preparation",
    "preparation",
    {"sv": "Din förberedelse", "en": "Your preparation"},
    {
        "sv": (
            "Ta dig tid att förbereda dig några dagar före samtalet. Frågorna följer en "
            "beprövad checklista: dina arbetsuppgifter, året som gått, din utveckling, "
            "arbetsmiljön, din kompetens och dina erfarenheter, och vad du vill utveckla "
            "framåt. Stödord räcker gott. Dina svar är privata tills du själv väljer att dela "
            "dem med din chef före samtalet. Förra årets överenskomna dokumentation och din "
            "nuvarande utvecklingsplan visas bredvid, så att du kan utgå från dem."
        ),
        "en": (
            "Set aside some time to prepare a few days before the talk. The questions follow a "
            "well-tried checklist: your tasks, the year behind you, your development, the work "
            "environment, your competence and experience, and what you want to develop next. "
            "Keywords are enough. Your answers stay private until you choose to share them "
            "with your manager before the talk. Last year's agreed record and your current "
            "development plan are shown alongside, so you can start from them."
        ),
    },
    [
        _q(
            "tasks",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": "Vilka är dina viktigaste arbetsuppgifter just nu, och hur upplever du dem?",
                "en": "What are your main tasks at the moment, and how do you experience them?",
            },
            help_text={
                "sv": (
                    "Tänk på vad som ger dig energi, vad som tar energi och om något har "
                    "förändrats under året."
                ),
                "en": (
                    "Think about what gives you energy, what drains it, and whether anything "
                    "has changed during the year."
                ),
            },
        ),
        _q(
            "work_effort",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Hur ser du på din insats under året? Vad har varit utmanande, och vilka "
                    "mål har du nått?"
                ),
                "en": (
                    "How do you view your work over the year? What challenges have you faced, "
                    "and which goals have you reached?"
                ),
            },
            help_text={
                "sv": (
                    "Ta gärna med konkreta exempel på sådant du är nöjd med. Det du har "
                    "åstadkommit är bra att lyfta fram, eftersom det ni kommer överens om "
                    "senare blir underlag för lönesamtalet."
                ),
                "en": (
                    "Include concrete examples of things you are pleased with. It is worth "
                    "highlighting what you have achieved, since what you agree on later "
                    "becomes part of the basis for the salary talk."
                ),
            },
        ),
        _q(
            "development_since_last",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Hur har du utvecklats sedan förra utvecklingssamtalet? Vad har du lärt "
                    "dig, och hur har det gått med din utvecklingsplan?"
                ),
                "en": (
                    "How have you developed since your last development talk? What have you "
                    "learnt, and how has your development plan worked out?"
                ),
            },
        ),
        _q(
            "work_environment",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Hur upplever du din arbetsmiljö – arbetsbelastning, arbetskamrater, "
                    "lokaler och stämningen i gruppen? Finns det något du vill ta upp?"
                ),
                "en": (
                    "How do you experience your work environment – workload, colleagues, "
                    "premises and the atmosphere in the team? Is there anything you want to "
                    "raise?"
                ),
            },
        ),
        _q(
            "wellbeing",
            "scale",
            EMPLOYEE_PREP,
            {
                "sv": "Hur trivs du på jobbet just nu?",
                "en": "How much do you enjoy work right now?",
            },
            scale={
                "low": {"sv": "Mycket dåligt", "en": "Not at all"},
                "high": {"sv": "Mycket bra", "en": "Very much"},
            },
        ),
        _q(
            "competence",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Vilken kompetens använder du i ditt arbete, och har du kunskaper eller "
                    "färdigheter som inte kommer till sin rätt?"
                ),
                "en": (
                    "What knowledge and skills do you use in your work, and do you have "
                    "competence that is not being put to good use?"
                ),
            },
        ),
        _q(
            "experiences",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Vilka nya erfarenheter, i jobbet eller utanför det, har du skaffat dig "
                    "under året som kan komma till nytta i din roll?"
                ),
                "en": (
                    "What new experience, at work or outside it, have you gained during the "
                    "year that could be useful in your role?"
                ),
            },
        ),
        _q(
            "development_interest",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Vad behöver du utveckla för att göra ett bra jobb framöver, och vad är du "
                    "själv intresserad av att lära dig?"
                ),
                "en": (
                    "What do you need to develop to do a good job in the future, and what are "
                    "you interested in learning?"
                ),
            },
        ),
        _q(
            "development_forms",
            "multiple_choice",
            EMPLOYEE_PREP,
            {
                "sv": "Vilka former av kompetensutveckling skulle passa dig?",
                "en": "Which forms of competence development would suit you?",
            },
            choices=_DEVELOPMENT_FORMS,
        ),
        _q(
            "raise_with_manager",
            "text",
            EMPLOYEE_PREP,
            {
                "sv": (
                    "Vad vill du ta upp under samtalet, och vilken återkoppling vill du ge din "
                    "chef?"
                ),
                "en": (
                    "What do you want to raise in the talk, and what feedback would you like to "
                    "give your manager?"
                ),
            },
            help_text={
                "sv": (
                    "Återkoppling åt båda hållen gör att också din chef kan utvecklas. Det kan "
                    "gälla stöd, information, hur arbetet fördelas eller hur gruppen leds."
                ),
                "en": (
                    "Feedback in both directions lets your manager develop too. It might concern "
                    "support, information, how work is shared out or how the team is led."
                ),
            },
            flags=(UPWARD_FEEDBACK,),
        ),
    ],
)

_MANAGER_PREPARATION = _section(
    "manager_preparation",
    "preparation",
    {"sv": "Chefens förberedelse", "en": "The manager's preparation"},
    {
        "sv": (
            "Förbered dig lika noga som du ber medarbetaren att göra. Läs förra årets "
            "dokumentation och utvecklingsplanen, och tänk igenom vilken återkoppling du vill "
            "ge – konkret och med exempel, både på det som har fungerat och det som kan "
            "utvecklas. Dina svar är privata tills du väljer att dela dem. Boka minst en timme "
            "i ett ostört rum som inte är ditt eget kontor."
        ),
        "en": (
            "Prepare as carefully as you ask the employee to. Read last year's record and the "
            "development plan, and think through the feedback you want to give – concrete and "
            "with examples, on what has worked as well as on what could develop. Your answers "
            "stay private until you choose to share them. Book at least an hour in an "
            "undisturbed room that is not your own office."
        ),
    },
    [
        _q(
            "role_view",
            "text",
            MANAGER_PREP,
            {
                "sv": "Hur ser du på medarbetarens roll och uppdrag i verksamheten?",
                "en": "How do you see the employee's role and remit in the organisation?",
            },
        ),
        _q(
            "went_well",
            "text",
            MANAGER_PREP,
            {
                "sv": "Vad har medarbetaren gjort bra under året? Ge gärna konkreta exempel.",
                "en": "What has the employee done well this year? Give concrete examples.",
            },
        ),
        _q(
            "to_develop",
            "text",
            MANAGER_PREP,
            {
                "sv": "Vad kan medarbetaren utveckla eller göra annorlunda framöver?",
                "en": "What could the employee develop or do differently going forward?",
            },
        ),
        _q(
            "unit_goals",
            "text",
            MANAGER_PREP,
            {
                "sv": "Vilka är enhetens viktigaste mål för det kommande året?",
                "en": "What are the unit's most important goals for the coming year?",
            },
        ),
        _q(
            "contribution",
            "text",
            MANAGER_PREP,
            {
                "sv": (
                    "Hur kan medarbetaren bidra till enhetens mål, och vad behöver hen för att "
                    "kunna göra det?"
                ),
                "en": (
                    "How can the employee contribute to the unit's goals, and what do they need "
                    "in order to do so?"
                ),
            },
        ),
        _q(
            "competence_needs",
            "text",
            MANAGER_PREP,
            {
                "sv": (
                    "Vilken kompetens behöver enheten på kort och lång sikt, och hur berör det "
                    "medarbetaren?"
                ),
                "en": (
                    "What competence does the unit need in the short and long term, and how "
                    "does that concern the employee?"
                ),
            },
        ),
    ],
)

# --- The talk ---------------------------------------------------------------------------------

_LOOKING_BACK = _section(
    "looking_back",
    "talk",
    {"sv": "Tillbakablick", "en": "Looking back"},
    {
        "sv": (
            "Börja med året som har gått. Utgå från förra årets utvecklingsplan och från det ni "
            "båda skrev när ni förberedde er. Resultat och prestationer som ni är överens om "
            "här blir en del av underlaget för lönesamtalet, som hålls separat."
        ),
        "en": (
            "Start with the year that has passed. Use last year's development plan and what you "
            "both wrote in your preparation as a starting point. Results and achievements you "
            "agree on here become part of the basis for the salary talk, which is held "
            "separately."
        ),
    },
    [
        _q(
            "last_plan_outcome",
            "single_choice",
            RECORD,
            {
                "sv": "Hur stor del av förra årets utvecklingsplan genomfördes?",
                "en": "How much of last year's development plan was carried out?",
            },
            choices=[
                {"sv": "Allt eller nästan allt", "en": "All or nearly all of it"},
                {"sv": "Det mesta", "en": "Most of it"},
                {"sv": "En del", "en": "Some of it"},
                {"sv": "Lite eller inget", "en": "Little or none of it"},
                {"sv": "Det fanns ingen plan", "en": "There was no plan"},
            ],
        ),
        _q(
            "last_plan_comments",
            "text",
            RECORD,
            {
                "sv": ("Vad gav de aktiviteter som genomfördes, och varför blev resten inte av?"),
                "en": "What did the completed activities lead to, and why did the rest not happen?",
            },
        ),
        _q(
            "year_work",
            "text",
            RECORD,
            {
                "sv": "Hur har året varit? Vad har du arbetat med, och vad har fungerat bra?",
                "en": "How has the year been? What have you worked on, and what has gone well?",
            },
        ),
        _q(
            "challenges",
            "text",
            RECORD,
            {
                "sv": "Vilka utmaningar har året fört med sig, och hur hanterades de?",
                "en": "What challenges did the year bring, and how were they handled?",
            },
        ),
        _q(
            "goals_reached",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilka mål har nåtts, och vilka resultat och prestationer vill ni lyfta fram?"
                ),
                "en": (
                    "Which goals have been reached, and which results and achievements do you "
                    "want to highlight?"
                ),
            },
            help_text={
                "sv": (
                    "När ni båda har godkänt dokumentationen ingår det ni skriver här i "
                    "underlaget för lönesamtalet."
                ),
                "en": (
                    "Once you have both agreed the record, what you write here becomes part of "
                    "the basis for the salary talk."
                ),
            },
            flags=(SALARY_BASIS,),
        ),
    ],
)

_TASKS_AND_ROLE = _section(
    "tasks_and_role",
    "talk",
    {"sv": "Arbetsuppgifter och roll", "en": "Tasks and role"},
    {
        "sv": (
            "Prata om hur arbetsuppgifterna och rollen upplevs i dag, om kompetensen kommer "
            "till användning och om vad som ska prioriteras framöver. Passa också på att reda "
            "ut förväntningar åt båda hållen."
        ),
        "en": (
            "Talk about how the tasks and the role are experienced today, whether the "
            "employee's competence is put to use, and what should be prioritised ahead. It is "
            "also a chance to clear up expectations in both directions."
        ),
    },
    [
        _q(
            "tasks_experience",
            "text",
            RECORD,
            {
                "sv": "Hur upplever du dina arbetsuppgifter och din roll?",
                "en": "How do you experience your tasks and your role?",
            },
        ),
        _q(
            "meaningful",
            "scale",
            RECORD,
            {"sv": "Mina arbetsuppgifter känns meningsfulla.", "en": "My tasks feel meaningful."},
            scale=_AGREE,
        ),
        _q(
            "competence_used",
            "scale",
            RECORD,
            {
                "sv": "Min kompetens kommer till användning i arbetet.",
                "en": "My competence is put to good use in my work.",
            },
            scale=_AGREE,
        ),
        _q(
            "role_changes",
            "text",
            RECORD,
            {
                "sv": (
                    "Behöver något i rollen eller arbetsuppgifterna förändras – läggas till, "
                    "tas bort eller göras på ett annat sätt?"
                ),
                "en": (
                    "Does anything in the role or the tasks need to change – be added, removed "
                    "or done differently?"
                ),
            },
        ),
        _q(
            "priorities",
            "text",
            RECORD,
            {
                "sv": "Vad ska du prioritera under det kommande året, och vad kan vänta?",
                "en": "What should you prioritise in the coming year, and what can wait?",
            },
        ),
    ],
)

_COMPETENCE = _section(
    "competence_experience",
    "talk",
    {"sv": "Kompetens och erfarenhet", "en": "Competence and experience"},
    {
        "sv": (
            "Gå igenom vilka kunskaper och färdigheter arbetet kräver nu och framöver, vad "
            "medarbetaren redan har och vad som behöver utvecklas. Koppla gärna till enhetens "
            "kompetensbehov. Det ni kommer fram till här är grunden för utvecklingsplanen."
        ),
        "en": (
            "Go through the knowledge and skills the work requires now and ahead, what the "
            "employee already has and what needs developing. Relate it to the unit's "
            "competence needs. What you arrive at here is the basis for the development plan."
        ),
    },
    [
        _q(
            "strengths",
            "text",
            RECORD,
            {
                "sv": "Vilka kunskaper och erfarenheter är dina främsta styrkor i arbetet?",
                "en": "What knowledge and experience are your main strengths at work?",
            },
        ),
        _q(
            "competence_match",
            "scale",
            RECORD,
            {
                "sv": "Hur väl motsvarar din kompetens det som arbetet kräver i dag?",
                "en": "How well does your competence match what the job requires today?",
            },
            scale={
                "low": {"sv": "Stora luckor", "en": "Large gaps"},
                "high": {"sv": "Motsvarar helt", "en": "A full match"},
            },
        ),
        _q(
            "competence_gaps",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilken kompetens behöver du utveckla för att möta verksamhetens krav framöver?"
                ),
                "en": (
                    "What competence do you need to develop to meet the demands of the work ahead?"
                ),
            },
        ),
        _q(
            "development_forms",
            "multiple_choice",
            RECORD,
            {
                "sv": "Vilka former av kompetensutveckling är aktuella?",
                "en": "Which forms of competence development are relevant?",
            },
            choices=_DEVELOPMENT_FORMS,
        ),
    ],
)

_WORK_ENVIRONMENT = _section(
    "work_environment",
    "talk",
    {"sv": "Arbetsmiljö och hälsa", "en": "Work environment and health"},
    {
        "sv": (
            "Det här avsnittet ingår i alla samtal och är en del av arbetsgivarens systematiska "
            "arbetsmiljöarbete. Frågorna hjälper er att tidigt upptäcka organisatoriska och "
            "sociala risker, till exempel en arbetsbelastning som inte går ihop med resurserna "
            "eller otydliga prioriteringar, och brister i den fysiska miljön. Ett svar som "
            "pekar på en risk kan bli en iakttagelse som chefen bedömer och antingen åtgärdar "
            "eller motiverar varför ingen åtgärd behövs. På enhetsnivå syns bara "
            "avidentifierade sammanställningar."
        ),
        "en": (
            "This section is part of every talk and of the employer's systematic work "
            "environment management. The questions help you spot organisational and social "
            "risks early – for example a workload that does not match the resources, or "
            "unclear priorities – as well as shortcomings in the physical environment. An "
            "answer that points to a risk can become an observation, which the manager assesses "
            "and either acts on or explains why no action is needed. At unit level only "
            "de-identified summaries are shown."
        ),
    },
    [
        _q(
            "workload",
            "scale",
            RECORD,
            {
                "sv": "Min arbetsbelastning är rimlig i förhållande till tiden och resurserna.",
                "en": "My workload is reasonable given the time and resources I have.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "workload_comments",
            "text",
            RECORD,
            {
                "sv": (
                    "Vad påverkar arbetsbelastningen mest, och vad skulle göra den mer hanterbar?"
                ),
                "en": ("What affects the workload most, and what would make it more manageable?"),
            },
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "recovery",
            "scale",
            RECORD,
            {
                "sv": "Jag får tillräcklig återhämtning och kan koppla bort jobbet på fritiden.",
                "en": "I get enough rest and can switch off from work in my free time.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "clarity",
            "scale",
            RECORD,
            {
                "sv": "Jag vet vad som förväntas av mig och vad jag ska prioritera.",
                "en": "I know what is expected of me and what to prioritise.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "participation",
            "scale",
            RECORD,
            {
                "sv": "Jag är delaktig och kan påverka hur mitt arbete planeras och utförs.",
                "en": "I am involved in and can influence how my work is planned and done.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "victimisation",
            "yes_no",
            RECORD,
            {
                "sv": "Har du under året utsatts för kränkande särbehandling i arbetet?",
                "en": "Have you been subjected to victimisation at work during the year?",
            },
            help_text={
                "sv": (
                    "Med kränkande särbehandling menas handlingar som riktas mot någon på ett "
                    "kränkande sätt och kan leda till ohälsa eller till att personen stängs ute "
                    "från gemenskapen, till exempel förlöjligande, utfrysning eller hot. "
                    + _NO_DETAILS_HELP["sv"]
                ),
                "en": (
                    "Victimisation means offensive actions aimed at someone that can harm their "
                    "health or shut them out of the workplace community, such as ridicule, "
                    "exclusion or threats. " + _NO_DETAILS_HELP["en"]
                ),
            },
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "physical_environment",
            "scale",
            RECORD,
            {
                "sv": (
                    "Den fysiska arbetsmiljön – lokaler, ljus, ljud, luft, ergonomi och "
                    "utrustning – fungerar bra."
                ),
                "en": (
                    "The physical work environment – premises, lighting, noise, air, ergonomics "
                    "and equipment – works well."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "health_comments",
            "text",
            RECORD,
            {
                "sv": (
                    "Finns det något i arbetet eller arbetsmiljön som påverkar din hälsa, och "
                    "vad skulle kunna bli bättre?"
                ),
                "en": (
                    "Is there anything in the work or the work environment that affects your "
                    "health, and what could be improved?"
                ),
            },
            help_text={
                "sv": (
                    "Skriv om förhållandena på jobbet, inte om diagnoser eller andra "
                    "hälsouppgifter."
                ),
                "en": (
                    "Write about conditions at work, not about diagnoses or other health details."
                ),
            },
            flags=(RAISES_OBSERVATION,),
        ),
    ],
    mandatory=True,
)

_EQUAL_CONDITIONS = _section(
    "equal_conditions",
    "talk",
    {"sv": "Lika villkor", "en": "Equal conditions"},
    {
        "sv": (
            "Också det här avsnittet ingår i alla samtal. Frågorna följer de fem områden där "
            "arbetsgivaren enligt diskrimineringslagen ska arbeta med aktiva åtgärder: "
            "arbetsförhållanden, löner och andra anställningsvillkor, rekrytering och "
            "befordran, utbildning och kompetensutveckling samt möjligheten att förena arbete "
            "och föräldraskap. Syftet är att upptäcka hinder för lika rättigheter och "
            "möjligheter oavsett kön, könsöverskridande identitet eller uttryck, etnisk "
            "tillhörighet, religion eller annan trosuppfattning, funktionsnedsättning, sexuell "
            "läggning eller ålder. Frågan om lön gäller bara om villkoren upplevs som lika – "
            "själva lönen tas upp i lönesamtalet och skrivs aldrig in här. Svaren redovisas "
            "bara i avidentifierade sammanställningar."
        ),
        "en": (
            "This section, too, is part of every talk. The questions follow the five areas in "
            "which the Swedish Discrimination Act requires the employer to take active "
            "measures: working conditions, pay and other terms of employment, recruitment and "
            "promotion, training and competence development, and the possibility of combining "
            "work with parenthood. The aim is to find obstacles to equal rights and "
            "opportunities regardless of sex, transgender identity or expression, ethnicity, "
            "religion or other belief, disability, sexual orientation or age. The question on "
            "pay is only about whether conditions are experienced as equal – the salary itself "
            "belongs in the salary talk and is never written down here. Answers are only "
            "reported in de-identified summaries."
        ),
    },
    [
        _q(
            "working_conditions",
            "scale",
            RECORD,
            {
                "sv": (
                    "Arbetsförhållandena på min arbetsplats är lika för alla, oavsett vem man är."
                ),
                "en": (
                    "Working conditions at my workplace are equal for everyone, whoever they are."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "pay_and_terms",
            "scale",
            RECORD,
            {
                "sv": (
                    "Lön och andra anställningsvillkor bestäms på samma grunder för alla på "
                    "min arbetsplats."
                ),
                "en": (
                    "Pay and other terms of employment are set on the same grounds for everyone "
                    "at my workplace."
                ),
            },
            help_text={
                "sv": (
                    "Prata inte om din egen lön här, bara om villkoren upplevs som lika. Lönen "
                    "hör hemma i lönesamtalet."
                ),
                "en": (
                    "Do not discuss your own salary here, only whether conditions feel equal. "
                    "The salary belongs in the salary talk."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "recruitment_promotion",
            "scale",
            RECORD,
            {
                "sv": (
                    "Alla har samma möjligheter att söka och få nya tjänster, uppdrag och "
                    "befordran."
                ),
                "en": (
                    "Everyone has the same chance to apply for and get new positions, "
                    "assignments and promotion."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "training_development",
            "scale",
            RECORD,
            {
                "sv": (
                    "Jag har samma möjligheter till utbildning och kompetensutveckling som mina "
                    "kollegor."
                ),
                "en": (
                    "I have the same opportunities for training and competence development as "
                    "my colleagues."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "work_and_parenthood",
            "scale",
            RECORD,
            {
                "sv": "Det går bra att förena arbetet här med att vara förälder.",
                "en": "It is easy to combine work here with being a parent.",
            },
            help_text={
                "sv": ("Gäller det inte dig själv, svara utifrån det du ser hos dina kollegor."),
                "en": "If it does not apply to you, answer from what you see among colleagues.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "discrimination",
            "yes_no",
            RECORD,
            {
                "sv": (
                    "Har du under året upplevt diskriminering, trakasserier eller sexuella "
                    "trakasserier i arbetet?"
                ),
                "en": (
                    "Have you experienced discrimination, harassment or sexual harassment at "
                    "work during the year?"
                ),
            },
            help_text=_NO_DETAILS_HELP,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "equal_comments",
            "text",
            RECORD,
            {
                "sv": (
                    "Finns det något annat som gör att villkoren inte känns lika, och vad "
                    "skulle kunna göras åt det?"
                ),
                "en": (
                    "Is there anything else that makes conditions feel unequal, and what could "
                    "be done about it?"
                ),
            },
            flags=(RAISES_OBSERVATION,),
        ),
    ],
    mandatory=True,
)

_COLLABORATION_LEADERSHIP = _section(
    "collaboration_leadership",
    "talk",
    {"sv": "Samarbete och ledarskap", "en": "Collaboration and leadership"},
    {
        "sv": (
            "Här pratar ni om samarbetet i gruppen och med andra, och medarbetaren ger "
            "återkoppling till chefen. Återkopplingen sammanställs också utan namn, så att "
            "chefen kan utvecklas i sitt ledarskap. Som chef: lyssna, fråga och be om exempel "
            "hellre än att förklara eller försvara."
        ),
        "en": (
            "Here you talk about collaboration in the team and with others, and the employee "
            "gives feedback to the manager. The feedback is also summarised without names so "
            "that the manager can develop as a leader. As the manager: listen, ask and invite "
            "examples rather than explain or defend."
        ),
    },
    [
        _q(
            "team_collaboration",
            "scale",
            RECORD,
            {
                "sv": "Samarbetet i min arbetsgrupp fungerar bra.",
                "en": "Collaboration in my team works well.",
            },
            scale=_AGREE,
        ),
        _q(
            "collaboration_comments",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur fungerar samarbetet med kollegor och med andra delar av organisationen, "
                    "och vad kan bli bättre?"
                ),
                "en": (
                    "How does collaboration with colleagues and other parts of the organisation "
                    "work, and what could be better?"
                ),
            },
        ),
        _q(
            "manager_support",
            "scale",
            RECORD,
            {
                "sv": "Jag får det stöd jag behöver av min chef.",
                "en": "I get the support I need from my manager.",
            },
            scale=_AGREE,
            flags=(UPWARD_FEEDBACK,),
        ),
        _q(
            "feedback_received",
            "scale",
            RECORD,
            {
                "sv": "Jag får återkoppling på mitt arbete som hjälper mig att utvecklas.",
                "en": "I get feedback on my work that helps me develop.",
            },
            scale=_AGREE,
            flags=(UPWARD_FEEDBACK,),
        ),
        _q(
            "manager_differently",
            "text",
            RECORD,
            {
                "sv": (
                    "Vad kan din chef göra annorlunda, eller mer av, för att stödja dig och "
                    "gruppen?"
                ),
                "en": (
                    "What could your manager do differently, or more of, to support you and the "
                    "team?"
                ),
            },
            flags=(UPWARD_FEEDBACK,),
        ),
        _q(
            "organisation_views",
            "text",
            RECORD,
            {
                "sv": (
                    "Har du synpunkter på organisationen, verksamheten eller hur beslut fattas "
                    "som du vill föra fram?"
                ),
                "en": (
                    "Do you have views on the organisation, its work or how decisions are made "
                    "that you would like to put forward?"
                ),
            },
            flags=(UPWARD_FEEDBACK,),
        ),
    ],
)

_FUTURE_CAREER = _section(
    "future_career",
    "talk",
    {"sv": "Framtid och karriär", "en": "Future and career"},
    {
        "sv": (
            "Blicka framåt, både mot det närmaste året och på längre sikt. Prata om "
            "medarbetarens önskemål och drivkrafter i förhållande till verksamhetens behov. "
            "Kända förändringar som påverkar arbetet, som en omorganisation, nya uppdrag eller "
            "en kommande pension, hör också hemma här."
        ),
        "en": (
            "Look ahead, both to the coming year and further. Talk about the employee's wishes "
            "and motivation in relation to what the organisation needs. Known changes that "
            "affect the work, such as a reorganisation, new assignments or an upcoming "
            "retirement, also belong here."
        ),
    },
    [
        _q(
            "one_year",
            "text",
            RECORD,
            {
                "sv": "Hur vill du att ditt arbete ser ut om ett år?",
                "en": "What would you like your work to look like a year from now?",
            },
        ),
        _q(
            "long_term",
            "text",
            RECORD,
            {
                "sv": (
                    "Vart vill du på längre sikt, om tre till fem år? Vad driver dig, och vilka "
                    "mål har du?"
                ),
                "en": (
                    "Where do you want to be in the longer term, three to five years from now? "
                    "What drives you, and what are your goals?"
                ),
            },
        ),
        _q(
            "career_direction",
            "single_choice",
            RECORD,
            {
                "sv": "Vilket av följande stämmer bäst med hur du ser på din närmaste framtid?",
                "en": "Which of these best matches how you see your near future at work?",
            },
            choices=[
                {
                    "sv": "Utvecklas vidare i min nuvarande roll",
                    "en": "Develop further in my current role",
                },
                {
                    "sv": "Ta på mig nya eller större uppgifter",
                    "en": "Take on new or larger responsibilities",
                },
                {
                    "sv": "Byta roll eller inriktning inom organisationen",
                    "en": "Change role or direction within the organisation",
                },
                {"sv": "Bli chef eller arbetsledare", "en": "Become a manager or team leader"},
                {"sv": "Gå vidare till något utanför organisationen", "en": "Move on elsewhere"},
                {"sv": "Gå i pension eller trappa ned", "en": "Retire or reduce my hours"},
                {"sv": "Vet inte ännu", "en": "Not sure yet"},
            ],
        ),
        _q(
            "changes_ahead",
            "text",
            RECORD,
            {
                "sv": (
                    "Finns det förändringar framöver, i verksamheten eller i din egen situation, "
                    "som ni behöver planera för?"
                ),
                "en": (
                    "Are there changes ahead, in the organisation or in your own situation, "
                    "that you need to plan for?"
                ),
            },
        ),
    ],
)

_RESEARCHER_R1 = _section(
    "researcher_r1",
    "talk",
    {"sv": "Forskarkarriär: doktorand (R1)", "en": "Research career: doctoral student (R1)"},
    {
        "sv": (
            "För doktorander. Den europeiska stadgan för forskare utgår från att forskare får "
            "stöd i sin karriärutveckling i alla skeden, också i början. Samtalet ersätter inte "
            "uppföljningen av den individuella studieplanen men ger utrymme att prata om "
            "arbetssituationen, handledningen och tiden efter disputationen."
        ),
        "en": (
            "For doctoral students. The European Charter for Researchers expects researchers "
            "to receive career development support at every stage, the first one included. The "
            "talk does not replace the follow-up of the individual study plan, but it makes "
            "room to discuss the work situation, supervision and life after the PhD."
        ),
    },
    [
        _q(
            "thesis_progress",
            "scale",
            RECORD,
            {
                "sv": "Hur går avhandlingsarbetet jämfört med den individuella studieplanen?",
                "en": "How is the thesis work progressing against the individual study plan?",
            },
            scale={
                "low": {"sv": "Långt efter planen", "en": "Far behind plan"},
                "high": {"sv": "Helt enligt planen", "en": "Fully on track"},
            },
        ),
        _q(
            "thesis_comments",
            "text",
            RECORD,
            {
                "sv": (
                    "Vad har gått bra i avhandlingsarbetet och forskarutbildningen under året, "
                    "och vad har varit svårt?"
                ),
                "en": (
                    "What has gone well in your thesis work and doctoral studies this year, and "
                    "what has been difficult?"
                ),
            },
            help_text={
                "sv": "Ta också upp kurser och eventuell institutionstjänstgöring.",
                "en": "Include courses and any departmental duties such as teaching.",
            },
        ),
        _q(
            "supervision",
            "scale",
            RECORD,
            {"sv": "Jag får den handledning jag behöver.", "en": "I get the supervision I need."},
            scale=_AGREE,
        ),
        _q(
            "supervision_comments",
            "text",
            RECORD,
            {
                "sv": ("Hur fungerar samarbetet med dina handledare, och behöver något förändras?"),
                "en": (
                    "How is the collaboration with your supervisors working, and does anything "
                    "need to change?"
                ),
            },
        ),
        _q(
            "after_phd",
            "multiple_choice",
            RECORD,
            {
                "sv": "Vad är du intresserad av att göra efter disputationen?",
                "en": "What are you interested in doing after your PhD?",
            },
            choices=[
                {
                    "sv": "Fortsätta forska inom akademin, t.ex. som postdoktor",
                    "en": "Continue in academic research, e.g. as a postdoc",
                },
                {"sv": "Undervisa inom högre utbildning", "en": "Teach in higher education"},
                {
                    "sv": "Forskning eller utveckling utanför akademin",
                    "en": "Research or development outside academia",
                },
                {
                    "sv": "Annat arbete där forskarutbildningen är en merit",
                    "en": "Other work where the doctorate is an asset",
                },
                {"sv": "Vet inte ännu", "en": "Not sure yet"},
            ],
        ),
        _q(
            "after_phd_support",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilket stöd behöver du för att förbereda dig för tiden efter "
                    "disputationen, till exempel nätverk, mobilitet eller karriärvägledning?"
                ),
                "en": (
                    "What support do you need to prepare for the time after your PhD, for "
                    "example networks, mobility or career guidance?"
                ),
            },
        ),
    ],
    audience="researchers",
    career_stages=("R1",),
)

_RESEARCHER_R2 = _section(
    "researcher_r2",
    "talk",
    {
        "sv": "Forskarkarriär: postdoktor eller meriterad forskare (R2)",
        "en": "Research career: postdoc or recognised researcher (R2)",
    },
    {
        "sv": (
            "För forskare med doktorsexamen som ännu inte är helt självständiga, till exempel "
            "postdoktorer. Tyngdpunkten ligger på att bygga en egen forskningsprofil och de "
            "meriter som behövs för nästa steg: självständighet, egna anslag, pedagogisk "
            "erfarenhet och gärna mobilitet."
        ),
        "en": (
            "For researchers with a doctorate who are not yet fully independent, such as "
            "postdocs. The focus is on building a research profile of one's own and the merits "
            "needed for the next step: independence, own funding, teaching experience and, "
            "ideally, mobility."
        ),
    },
    [
        _q(
            "independence",
            "scale",
            RECORD,
            {
                "sv": "I vilken grad driver du i dag forskning utifrån egna frågeställningar?",
                "en": "To what extent do you currently pursue your own research questions?",
            },
            scale={
                "low": {"sv": "Inte alls", "en": "Not at all"},
                "high": {"sv": "Helt självständigt", "en": "Fully independently"},
            },
        ),
        _q(
            "independence_steps",
            "text",
            RECORD,
            {
                "sv": "Vad skulle hjälpa dig att bli mer självständig som forskare?",
                "en": "What would help you become more independent as a researcher?",
            },
        ),
        _q(
            "funding_applications",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilka forskningsansökningar har du skickat in eller planerar du, och "
                    "vilket stöd behöver du med dem?"
                ),
                "en": (
                    "Which funding applications have you submitted or are you planning, and "
                    "what support do you need with them?"
                ),
            },
        ),
        _q(
            "teaching_merits",
            "yes_no",
            RECORD,
            {
                "sv": (
                    "Har du möjlighet att undervisa och bygga pedagogiska meriter, till exempel "
                    "genom högskolepedagogisk utbildning?"
                ),
                "en": (
                    "Do you have the opportunity to teach and build teaching merits, for "
                    "example through training in university teaching?"
                ),
            },
        ),
        _q(
            "mobility",
            "text",
            RECORD,
            {
                "sv": (
                    "Är mobilitet aktuellt för dig – en vistelse vid ett annat lärosäte, "
                    "utomlands eller utanför akademin – och vad skulle det ge?"
                ),
                "en": (
                    "Is mobility relevant for you – a stay at another university, abroad or "
                    "outside academia – and what would it give you?"
                ),
            },
        ),
        _q(
            "next_step",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilket är ditt nästa karriärsteg, och vad behöver du för att vara "
                    "konkurrenskraftig för det?"
                ),
                "en": (
                    "What is your next career step, and what do you need to be competitive for it?"
                ),
            },
        ),
    ],
    audience="researchers",
    career_stages=("R2",),
)

_RESEARCHER_R3 = _section(
    "researcher_r3",
    "talk",
    {
        "sv": "Forskarkarriär: etablerad forskare (R3)",
        "en": "Research career: established researcher (R3)",
    },
    {
        "sv": (
            "För självständiga forskare, till exempel biträdande lektorer, lektorer och "
            "forskare som leder egna projekt. Här pratar ni om ledarskap i forskningen, "
            "handledning, finansiering och undervisning, och om vägen mot docentur och "
            "befordran till professor."
        ),
        "en": (
            "For independent researchers, such as assistant professors, senior lecturers and "
            "researchers leading their own projects. Here you talk about research leadership, "
            "supervision, funding and teaching, and about the path towards docent status and "
            "promotion to professor."
        ),
    },
    [
        _q(
            "research_leadership",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur fungerar ditt ledarskap i forskningen – i projekt, forskargrupp och "
                    "samarbeten – och vad vill du utveckla?"
                ),
                "en": (
                    "How is your research leadership working – in projects, your group and "
                    "collaborations – and what would you like to develop?"
                ),
            },
        ),
        _q(
            "supervising",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur ser din handledning av doktorander och yngre forskare ut, och vilket "
                    "stöd behöver du som handledare?"
                ),
                "en": (
                    "What does your supervision of doctoral students and early-career "
                    "researchers look like, and what support do you need as a supervisor?"
                ),
            },
        ),
        _q(
            "funding_security",
            "scale",
            RECORD,
            {
                "sv": "Hur tryggad är finansieringen av din forskning de närmaste två–tre åren?",
                "en": (
                    "How secure is the funding for your research over the next two to three years?"
                ),
            },
            scale={
                "low": {"sv": "Mycket osäker", "en": "Very uncertain"},
                "high": {"sv": "Helt tryggad", "en": "Fully secured"},
            },
        ),
        _q(
            "funding_plans",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilka finansieringskällor och ansökningar planerar du, och vilket stöd "
                    "behöver du?"
                ),
                "en": (
                    "Which funding sources and applications are you planning, and what "
                    "support do you need?"
                ),
            },
        ),
        _q(
            "pedagogical_development",
            "text",
            RECORD,
            {
                "sv": "Hur vill du utveckla din undervisning och din pedagogiska skicklighet?",
                "en": "How would you like to develop your teaching and your pedagogical skills?",
            },
        ),
        _q(
            "path_to_professor",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur ser din väg mot docentur eller befordran till professor ut, och vad "
                    "återstår?"
                ),
                "en": (
                    "What does your path towards docent status or promotion to professor look "
                    "like, and what remains to be done?"
                ),
            },
        ),
    ],
    audience="researchers",
    career_stages=("R3",),
)

_RESEARCHER_R4 = _section(
    "researcher_r4",
    "talk",
    {
        "sv": "Forskarkarriär: ledande forskare (R4)",
        "en": "Research career: leading researcher (R4)",
    },
    {
        "sv": (
            "För ledande forskare, till exempel professorer som leder en forskningsmiljö eller "
            "ett forskningsområde. Samtalet handlar om hur miljön ska utvecklas på sikt, om "
            "rekrytering och återväxt och om samverkan med det omgivande samhället – men också "
            "om din egen arbetssituation och utveckling."
        ),
        "en": (
            "For leading researchers, such as professors who lead a research environment or "
            "field. The talk covers how the environment should develop over time, recruitment "
            "and succession, and collaboration with wider society – but also your own work "
            "situation and development."
        ),
    },
    [
        _q(
            "research_environment",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur utvecklas forskningsmiljön du leder, och vilka är de största "
                    "utmaningarna de närmaste åren?"
                ),
                "en": (
                    "How is the research environment you lead developing, and what are the "
                    "biggest challenges over the next few years?"
                ),
            },
        ),
        _q(
            "recruitment_succession",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur ser rekryteringen och återväxten ut – vilken kompetens behövs, och hur "
                    "stöttar du yngre forskares karriärer?"
                ),
                "en": (
                    "How do recruitment and succession look – what competence is needed, and "
                    "how do you support the careers of early-career researchers?"
                ),
            },
        ),
        _q(
            "societal_collaboration",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur samverkar miljön med det omgivande samhället – näringsliv, offentlig "
                    "sektor och civilsamhälle – och vill du utveckla det?"
                ),
                "en": (
                    "How does the environment collaborate with wider society – business, the "
                    "public sector and civil society – and would you like to develop that?"
                ),
            },
        ),
        _q(
            "own_research_time",
            "scale",
            RECORD,
            {
                "sv": "Jag har tillräckligt med tid för min egen forskning.",
                "en": "I have enough time for my own research.",
            },
            scale=_AGREE,
        ),
        _q(
            "leader_support",
            "text",
            RECORD,
            {
                "sv": (
                    "Vilket stöd behöver du som forskningsledare, och hur vill du fördela tiden "
                    "mellan forskning, ledarskap, undervisning och uppdrag?"
                ),
                "en": (
                    "What support do you need as a research leader, and how would you like to "
                    "divide your time between research, leadership, teaching and assignments?"
                ),
            },
        ),
    ],
    audience="researchers",
    career_stages=("R4",),
)

_OWN_LEADERSHIP = _section(
    "own_leadership",
    "talk",
    {"sv": "Ditt ledarskap", "en": "Your leadership"},
    {
        "sv": (
            "För medarbetare som själva är chefer. Här pratar ni om chefsuppdraget: vilket "
            "stöd som behövs, hur ledarskapet kan utvecklas och om arbetsbelastningen i rollen "
            "är rimlig. Chefers egen arbetsmiljö ingår också i det systematiska "
            "arbetsmiljöarbetet."
        ),
        "en": (
            "For employees who are managers themselves. Here you talk about the management "
            "role: what support is needed, how the leadership can develop and whether the "
            "workload in the role is reasonable. Managers' own work environment is also part "
            "of systematic work environment management."
        ),
    },
    [
        _q(
            "manager_role",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur upplever du ditt chefsuppdrag just nu – vad fungerar bra, och vad är "
                    "svårt?"
                ),
                "en": (
                    "How do you experience your management role at the moment – what works "
                    "well, and what is difficult?"
                ),
            },
        ),
        _q(
            "mandate_clarity",
            "scale",
            RECORD,
            {
                "sv": "Mitt uppdrag, mitt mandat och mitt ansvar som chef är tydliga.",
                "en": "My remit, mandate and responsibilities as a manager are clear.",
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "manager_workload",
            "scale",
            RECORD,
            {
                "sv": "Arbetsbelastningen i chefsrollen är hanterbar.",
                "en": "The workload in my management role is manageable.",
            },
            help_text={
                "sv": (
                    "Tänk på hur många medarbetare du har, vilket administrativt stöd som "
                    "finns och hur mycket tid som blir över till ledarskap."
                ),
                "en": (
                    "Consider how many people you manage, what administrative support there is "
                    "and how much time is left for leadership."
                ),
            },
            scale=_AGREE,
            flags=(RAISES_OBSERVATION,),
        ),
        _q(
            "manager_support_needed",
            "multiple_choice",
            RECORD,
            {
                "sv": "Vilket stöd behöver du i din chefsroll?",
                "en": "What support do you need in your management role?",
            },
            choices=[
                {"sv": "Stöd från HR i personalfrågor", "en": "HR support on staff matters"},
                {
                    "sv": "Stöd i ekonomi och administration",
                    "en": "Support with finance and administration",
                },
                {"sv": "Stöd i arbetsmiljöfrågor", "en": "Support on work environment matters"},
                {
                    "sv": "Erfarenhetsutbyte med andra chefer",
                    "en": "Peer exchange with other managers",
                },
                {"sv": "Mentor eller coach", "en": "A mentor or coach"},
                {
                    "sv": "Tydligare återkoppling från min egen chef",
                    "en": "Clearer feedback from my own manager",
                },
            ],
        ),
        _q(
            "leadership_development",
            "text",
            RECORD,
            {
                "sv": (
                    "Hur vill du utveckla ditt ledarskap under det kommande året, till exempel "
                    "genom chefsutbildning, nätverk eller handledning?"
                ),
                "en": (
                    "How would you like to develop your leadership in the coming year, for "
                    "example through management training, networks or coaching?"
                ),
            },
        ),
    ],
    audience="managers",
)

_DEVELOPMENT_PLAN = _section(
    "development_plan",
    "talk",
    {"sv": "Utvecklingsplan", "en": "Development plan"},
    {
        "sv": (
            "Samla det ni har kommit fram till i en konkret, skriftlig plan. Knyt varje mål "
            "till enhetens mål för året, och ge varje aktivitet en ansvarig, en tidpunkt och "
            "gärna en uppskattad tidsåtgång eller kostnad. Lägg in avstämningspunkter under "
            "året så att planen verkligen blir av. Planen följer med till nästa års samtal."
        ),
        "en": (
            "Gather what you have agreed into a concrete, written plan. Link each goal to the "
            "unit's goals for the year, and give each activity a person responsible, a date "
            "and, if possible, an estimate of time or cost. Add checkpoints during the year so "
            "that the plan actually happens. The plan carries over into next year's talk."
        ),
    },
    [
        _q(
            "goals",
            "plan_item",
            RECORD,
            {
                "sv": "Mål för det kommande året, kopplade till enhetens mål",
                "en": "Goals for the coming year, linked to the unit's goals",
            },
            help_text={
                "sv": (
                    "Formulera målen så att det går att se om de har nåtts, och ange vilket av "
                    "enhetens mål vart och ett hör till."
                ),
                "en": (
                    "Phrase the goals so that you can tell whether they have been reached, and "
                    "note which of the unit's goals each one relates to."
                ),
            },
        ),
        _q(
            "activities",
            "plan_item",
            RECORD,
            {"sv": "Aktiviteter för att nå målen", "en": "Activities to reach the goals"},
            help_text={
                "sv": (
                    "Till exempel en kurs eller utbildning, ett nytt arbetssätt eller en ny "
                    "metod, ett studiebesök, mentorskap, en konferens eller lärande i det "
                    "dagliga arbetet. Ange vem som ansvarar, när det ska ske och ungefär vad "
                    "det kostar i tid eller pengar."
                ),
                "en": (
                    "For example a course or training, a new way of working or method, a study "
                    "visit, mentoring, a conference or learning on the job. State who is "
                    "responsible, when it will happen and roughly what it costs in time or "
                    "money."
                ),
            },
        ),
        _q(
            "checkpoints",
            "plan_item",
            RECORD,
            {"sv": "Avstämningspunkter under året", "en": "Checkpoints during the year"},
            help_text={
                "sv": (
                    "Bestäm datum då ni stämmer av hur det går med planen. Samtal påminner er "
                    "båda inför varje avstämning."
                ),
                "en": (
                    "Set dates when you will check how the plan is going. Samtal reminds you "
                    "both before each checkpoint."
                ),
            },
        ),
        _q(
            "follow_up",
            "text",
            RECORD,
            {
                "sv": "När och hur ska ni följa upp planen under året?",
                "en": "When and how will you follow up the plan during the year?",
            },
        ),
    ],
)

_SUMMARY = _section(
    "summary",
    "talk",
    {
        "sv": "Sammanfattning och vad som får föras vidare",
        "en": "Summary and what may be passed on",
    },
    {
        "sv": (
            "Avsluta med att sammanfatta samtalet tillsammans. Den som för anteckningar skriver "
            "sammanfattningen, och efteråt läser ni båda igenom dokumentationen och godkänner "
            "den. Kom också överens om vad som får föras vidare och till vem, till exempel ett "
            "kompetensbehov till den som planerar utbildningar. Det som inte uttryckligen får "
            "föras vidare stannar mellan er två."
        ),
        "en": (
            "Finish by summarising the talk together. The note-taker writes the summary, and "
            "afterwards you both read through the record and agree it. Also agree on what may "
            "be passed on and to whom, for example a competence need to whoever plans training. "
            "Anything not expressly allowed to be passed on stays between the two of you."
        ),
    },
    [
        _q(
            "agreed_summary",
            "text",
            RECORD,
            {
                "sv": "Sammanfattning: vad har ni kommit överens om?",
                "en": "Summary: what have you agreed?",
            },
            help_text={
                "sv": (
                    "När ni båda har godkänt dokumentationen ingår sammanfattningen i "
                    "underlaget för lönesamtalet. Själva lönen tas inte upp här."
                ),
                "en": (
                    "Once you have both agreed the record, the summary becomes part of the "
                    "basis for the salary talk. The salary itself is not discussed here."
                ),
            },
            flags=(SALARY_BASIS,),
        ),
        _q(
            "may_pass_on",
            "yes_no",
            RECORD,
            {
                "sv": "Får något ur dokumentationen föras vidare till andra?",
                "en": "May anything from the record be passed on to others?",
            },
        ),
        _q(
            "pass_on_what",
            "text",
            RECORD,
            {
                "sv": "Om ja: vad får föras vidare, och till vem?",
                "en": "If yes: what may be passed on, and to whom?",
            },
        ),
        _q(
            "note_taker",
            "single_choice",
            RECORD,
            {
                "sv": "Vem förde anteckningar under samtalet?",
                "en": "Who took notes during the talk?",
            },
            choices=[
                {"sv": "Medarbetaren", "en": "The employee"},
                {"sv": "Chefen", "en": "The manager"},
            ],
        ),
    ],
)

# --- Afterwards -------------------------------------------------------------------------------

_SELF_EVALUATION = _section(
    "self_evaluation",
    "afterwards",
    {"sv": "Hur gick samtalet?", "en": "How did the talk go?"},
    {
        "sv": (
            "Ta en stund efter samtalet och fundera över hur det gick. Din utvärdering är "
            "privat: bara du kan läsa dina svar. Medarbetarnas svar redovisas enbart "
            "sammanställda för flera personer, aldrig så att en enskild går att känna igen. "
            "Om något inte fungerade kan du vända dig till HR eller till ett fackligt ombud – "
            "kontaktuppgifterna visas här intill."
        ),
        "en": (
            "Take a moment after the talk to think about how it went. Your evaluation is "
            "private: only you can read your answers. Employees' answers are only reported "
            "combined for several people, never in a way that identifies anyone. If something "
            "did not work, you can turn to HR or a union representative – their contact "
            "details are shown alongside."
        ),
    },
    [
        _q(
            "preparation_enough",
            "scale",
            SELF_EVALUATION,
            {
                "sv": "Förberedelserna inför samtalet räckte till.",
                "en": "The preparation for the talk was sufficient.",
            },
            scale=_AGREE,
        ),
        _q(
            "enough_time",
            "yes_no",
            SELF_EVALUATION,
            {
                "sv": "Fanns det tillräckligt med tid för samtalet, minst en timme?",
                "en": "Was there enough time for the talk – at least an hour?",
            },
        ),
        _q(
            "undisturbed_place",
            "yes_no",
            SELF_EVALUATION,
            {
                "sv": "Var platsen för samtalet neutral och fri från störningar?",
                "en": "Was the place of the talk neutral and free from interruptions?",
            },
        ),
        _q(
            "listened_to",
            "scale",
            SELF_EVALUATION,
            {
                "sv": "Jag kände att jag blev lyssnad på under samtalet.",
                "en": "I felt listened to during the talk.",
            },
            scale=_AGREE,
            flags=(UPWARD_FEEDBACK,),
        ),
        _q(
            "outcome_clear",
            "scale",
            SELF_EVALUATION,
            {
                "sv": "Det är tydligt vad vi kom fram till och vad som händer härnäst.",
                "en": "It is clear what we agreed and what happens next.",
            },
            scale=_AGREE,
        ),
        _q(
            "improve",
            "text",
            SELF_EVALUATION,
            {
                "sv": "Vad kan göras bättre till nästa samtal?",
                "en": "What could be done better next time?",
            },
        ),
        _q(
            "other_comments",
            "text",
            SELF_EVALUATION,
            {
                "sv": "Är det något mer du vill säga om samtalet?",
                "en": "Is there anything else you would like to say about the talk?",
            },
        ),
    ],
)


DEFAULT_TEMPLATE: dict[str, Any] = {
    "key": "samtal-standard",
    "name": {"sv": "Utvecklingssamtal", "en": "Development talk"},
    "description": {
        "sv": (
            "Samtals inbyggda mall för det årliga utvecklingssamtalet. Den följer samtalet från "
            "båda parternas förberedelser, genom själva samtalet och den gemensamma "
            "dokumentationen, till utvecklingsplanen och en kort utvärdering efteråt. Frågorna "
            "om arbetsmiljö, hälsa och lika villkor ingår i alla samtal, och forskare och chefer "
            "har egna avsnitt om sin karriär respektive sitt ledarskap."
        ),
        "en": (
            "Samtal's built-in template for the yearly development talk. It follows the talk "
            "from both parties' preparation, through the talk itself and its shared record, to "
            "the development plan and a short evaluation afterwards. The questions on work "
            "environment, health and equal conditions are part of every talk, and researchers "
            "and managers have sections of their own on their career and their leadership."
        ),
    },
    "sections": [
        _EMPLOYEE_PREPARATION,
        _MANAGER_PREPARATION,
        _LOOKING_BACK,
        _TASKS_AND_ROLE,
        _COMPETENCE,
        _WORK_ENVIRONMENT,
        _EQUAL_CONDITIONS,
        _COLLABORATION_LEADERSHIP,
        _FUTURE_CAREER,
        _RESEARCHER_R1,
        _RESEARCHER_R2,
        _RESEARCHER_R3,
        _RESEARCHER_R4,
        _OWN_LEADERSHIP,
        _DEVELOPMENT_PLAN,
        _SUMMARY,
        _SELF_EVALUATION,
    ],
}
