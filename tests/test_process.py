"""The process rules: kinds, labels, templates, titles, branch names and reference lines."""

from __future__ import annotations

import re
import subprocess

import pytest

from dslp_tui.config import Config
from dslp_tui.process import (
    ASK_REFERENCE,
    BASED_ON_EXPERIMENT,
    CHILD_KINDS,
    LABEL_KEYS,
    LABELS,
    SLUG_MAX,
    STATUS_KEYS,
    TEMPLATES,
    Kind,
    Status,
    add_to_section,
    branch_name,
    isolate_headings,
    issue_number_from_branch,
    parse_reference,
    parse_sections,
    render_body,
    set_reference,
    slugify,
    sub_headings,
    template,
    writing_spot,
)

DEFAULT_PREFIXES = Config().prefixes

# --- kinds and labels -------------------------------------------------------------------------


def test_kinds_are_the_five_dslp_types_with_lower_case_keys():
    assert [k.value for k in Kind] == ["Ask", "Data", "Explore", "Experiment", "Model"]
    assert [k.key for k in Kind] == ["ask", "data", "explore", "experiment", "model"]
    assert CHILD_KINDS == (Kind.DATA, Kind.EXPLORE, Kind.EXPERIMENT, Kind.MODEL)


def test_status_labels_and_their_keys():
    assert [s.value for s in Status] == ["succeeded", "failed", "on hold", "blocked - need access"]
    assert [s.key for s in Status] == list(STATUS_KEYS)
    assert Status.ON_HOLD.key == "on_hold"
    assert Status.BLOCKED.key == "blocked"


# The process's suggested colours, exactly as PROCESS.md lists them.
PROCESS_COLOURS = {
    "Ask": "c9ecff",
    "Explore": "f0f29b",
    "Experiment": "8569c6",
    "Data": "1c587c",
    "Model": "0b4e82",
    "Deploy": "f79499",
    "Communicate": "f9f345",
    "succeeded": "67d157",
    "failed": "c2021c",
    "on hold": "ffd04f",
    "blocked - need access": "ed9a53",
}

TALK_DESCRIPTIONS = {
    "Ask": "Define and scope problem and solution",
    "Communicate": "Write reports and create dashboards",
    "Data": "Get, transform, and validate data",
    "Deploy": "Register, package, and deploy model",
    "Experiment": "Build features and train models",
    "Explore": "Explore and document data to increase understanding",
}


def test_labels_have_the_process_names_and_colours():
    assert {spec.name: spec.color for spec in LABELS} == PROCESS_COLOURS
    assert len(LABELS) == len(PROCESS_COLOURS)  # no duplicates hiding behind the dict


def test_label_colours_are_six_hex_digits_without_hash():
    for spec in LABELS:
        assert re.fullmatch(r"[0-9a-f]{6}", spec.color), spec


def test_label_descriptions_follow_the_talk_and_none_is_empty():
    by_name = {spec.name: spec.description for spec in LABELS}
    for name, description in TALK_DESCRIPTIONS.items():
        assert by_name[name] == description
    assert all(spec.description.strip() for spec in LABELS)


def test_label_keys_cover_every_kind_and_status():
    assert set(LABEL_KEYS) >= {k.key for k in Kind} | set(STATUS_KEYS) | {"deploy", "communicate"}
    for kind in Kind:
        assert {s.key: s.name for s in LABELS}[kind.key] == kind.value  # each type is a label of its name
    for status in Status:
        assert {s.key: s.name for s in LABELS}[status.key] == status.value


# --- templates --------------------------------------------------------------------------------

PROCESS_HEADINGS = {
    "ask": [
        "Problem Statement",
        "Success Criteria",
        "Solution Architecture",
        "Data Requirements",
        "Understanding and Exploration",
        "Approaches and Experiments",
        "See Also",
    ],
    "data": ["Dataset Description", "Source system", "Reference", "Known Issues"],
    "data-creation": ["Dataset Name", "Dataset Description", "Parent Sources", "Reference", "Known Issues"],
    "explore": ["Overview", "Goals", "What was discovered", "Next Steps"],
    "experiment": ["Description", "Metrics", "Assumptions", "Results"],
    "model": ["Description", "Steps"],
}

PROCESS_SUBHEADINGS = {
    ("ask", "Problem Statement"): ["Desired Outcome", "Current State"],
    ("ask", "Success Criteria"): ["Impact", "Metrics", "Constraints"],
    ("ask", "Data Requirements"): ["Datasets"],
    ("ask", "See Also"): ["Background Info", "Related Projects"],
    ("explore", "What was discovered"): ["Insight 1", "Insight 2"],
}


def test_every_template_is_known_with_its_kind_and_name():
    assert [t.id for t in TEMPLATES] == list(PROCESS_HEADINGS)
    kinds = {t.id: t.kind for t in TEMPLATES}
    assert kinds == {
        "ask": Kind.ASK,
        "data": Kind.DATA,
        "data-creation": Kind.DATA,
        "explore": Kind.EXPLORE,
        "experiment": Kind.EXPERIMENT,
        "model": Kind.MODEL,
    }
    assert template("data").name == "Data: acquisition"
    assert template("data-creation").name == "Data: creation"


@pytest.mark.parametrize("template_id", list(PROCESS_HEADINGS))
def test_template_headings_are_exactly_the_process_ones_in_order(template_id):
    assert [s.heading for s in template(template_id).sections] == PROCESS_HEADINGS[template_id]


@pytest.mark.parametrize(("key", "subheadings"), list(PROCESS_SUBHEADINGS.items()), ids=lambda v: str(v))
def test_template_subheadings_in_order(key, subheadings):
    template_id, heading = key
    section = next(s for s in template(template_id).sections if s.heading == heading)
    assert re.findall(r"^### (.+)$", section.starter, re.MULTILINE) == subheadings


def test_every_section_has_guidance():
    for tpl in TEMPLATES:
        for section in tpl.sections:
            assert section.guidance.strip(), (tpl.id, section.heading)


def test_experiment_results_starter_has_history_pr_and_tldr_in_order():
    results = next(s for s in template("experiment").sections if s.heading == "Results")
    lines = [line for line in results.starter.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == ["Experiment History", "Related PR", "TL;DR"]


def test_explore_goals_is_a_checklist():
    goals = next(s for s in template("explore").sections if s.heading == "Goals")
    assert goals.starter.lstrip().startswith("- [ ]")


def test_model_steps_are_the_process_checklist():
    steps = next(s for s in template("model").sections if s.heading == "Steps")
    items = re.findall(r"^- \[ \] (.+)$", steps.starter, re.MULTILINE)
    words = ["parametrize", "api schema", "profile performance", "tests", "register", "deploy", "monitoring"]
    assert len(items) == len(words)
    for item, word in zip(items, words, strict=True):
        assert word in item.lower()


def test_ask_checklist_follows_the_talk():
    assert template("ask").checklist == (
        "Capture the problem statement",
        "Define qualitative goals",
        "Define metrics",
        "Define success criteria",
        "Identify required data sources",
        "Design a high-level solution architecture",
        "Link to related experiments and exploration",
    )
    for tpl in TEMPLATES:
        assert tpl.checklist and all(item.strip() for item in tpl.checklist)


def test_unknown_template_is_refused_with_the_known_ids():
    with pytest.raises(ValueError, match="unknown issue type 'bug'") as info:
        template("bug")
    for template_id in PROCESS_HEADINGS:
        assert template_id in str(info.value)


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template_id", "text", "expected"),
    [
        ("data", "CRM", "Get CRM Dataset"),
        ("data", "Get CRM Dataset", "Get CRM Dataset"),
        ("data", "get crm dataset", "get crm dataset"),
        ("data", "  CRM   nightly\textract ", "Get CRM nightly extract Dataset"),
        ("data-creation", "churn features", "Create churn features Dataset"),
        ("data-creation", "Create churn features Dataset", "Create churn features Dataset"),
        ("model", "churn", "Implement churn model"),
        ("model", "Implement churn model", "Implement churn model"),
        ("model", "Implement churn", "Implement Implement churn model"),
        ("ask", "  Reduce   churn ", "Reduce churn"),
        ("experiment", "Gradient boosting", "Gradient boosting"),
        ("explore", "Churn by tenure", "Churn by tenure"),
        ("data", "", ""),
        ("model", "   ", ""),
    ],
)
def test_title_for_applies_the_pattern_once(template_id, text, expected):
    assert template(template_id).title_for(text) == expected


def test_title_patterns_are_the_process_ones():
    patterns = {t.id: t.title_pattern for t in TEMPLATES}
    assert patterns == {
        "ask": None,
        "data": "Get {name} Dataset",
        "data-creation": "Create {name} Dataset",
        "explore": None,
        "experiment": None,
        "model": "Implement {name} model",
    }


# --- slugs and branch names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Gradient boosting baseline", "gradient-boosting-baseline"),
        ("Prévision des ventes", "prevision-des-ventes"),
        ("  Hello,   World!!  ", "hello-world"),
        ("Get CRM Dataset", "get-crm-dataset"),
        ("v1.2.3 release", "v1-2-3-release"),
        ("Straße", "strae"),
        ("ﬁne ＦＵＬＬ", "fine-full"),
        ("日本語のタイトル", ""),
        ("CJK 日本語 mixed", "cjk-mixed"),
        ("🚀 launch 🚀", "launch"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_at_a_word_boundary():
    title = "predict customer churn from the crm extract with gradient boosting"
    slug = slugify(title)
    assert len(slug) <= SLUG_MAX
    assert title.replace(" ", "-").startswith(slug)
    assert not slug.endswith("-")
    assert title.replace(" ", "-")[len(slug)] == "-"  # it ended at a whole word


def test_slugify_cuts_one_long_word_hard():
    assert slugify("a" * 100) == "a" * SLUG_MAX
    assert slugify("abc def", max_length=5) == "abc"
    assert slugify("abcdefgh", max_length=5) == "abcde"


@pytest.mark.parametrize(
    ("number", "title", "prefix", "expected"),
    [
        (42, "Gradient boosting", "experiment/", "experiment/42-gradient-boosting"),
        (3, "Create churn features Dataset", "data/", "data/3-create-churn-features-dataset"),
        (4, "Churn by tenure", "explore/", "explore/4-churn-by-tenure"),
        (8, "Implement churn model", "model/", "model/8-implement-churn-model"),
        (1, "Reduce customer churn", "", "1-reduce-customer-churn"),
        (7, "!!!", "data/", "data/7"),
        (12, "", "", "12"),
    ],
)
def test_branch_name(number, title, prefix, expected):
    assert branch_name(number, title, prefix) == expected


HOSTILE_TITLES = [
    "",
    " ",
    "\t\n\r",
    ".",
    "..",
    "...",
    "." * 100,
    "/",
    "//",
    "a//b",
    "-",
    "--",
    "-" * 100,
    "--force",
    "--help",
    "-leading-hyphen",
    "trailing-hyphen-",
    ".leading.dot",
    "trailing.dot.",
    "/leading/slash",
    "trailing/slash/",
    ".lock",
    "foo.lock",
    "a.lock/b",
    "x.lock.lock",
    "name.lock.",
    "a..b",
    "1.0..2.0",
    "@",
    "@{",
    "@{-1}",
    "@{u}",
    "HEAD",
    "HEAD~1",
    "main^{tree}",
    "refs/heads/main",
    "~^:?*[\\",
    "back\\slash",
    "colon: yes",
    "question?",
    "star*",
    "open[bracket",
    "caret^",
    "tilde~",
    "semi;colon",
    "quote'\"",
    "`backtick`",
    "$(rm -rf /)",
    "; rm -rf ~",
    "| pipe & amp",
    "<html>",
    "%2e%2e",
    "CON",
    "nul",
    "0",
    "-1",
    "1234567890",
    "v1.2.3",
    "Prévision des ventes",
    "Ça marche à l'école",
    "Ünïcödé Ñandú",
    "İstanbul",
    "Straße",
    "ǅ titlecase",
    "combining e\u0301",
    "ﬁne ligature",
    "ＦＵＬＬＷＩＤＴＨ",
    "Ⅻ roman",
    "½ fraction",
    "²³ superscripts",
    "Ⓐ circled",
    "𝔣𝔯𝔞𝔨𝔱𝔲𝔯 math",
    "😀 emoji only 🚀",
    "🚀",
    "🎉" * 100,
    "family 👩\u200d👩\u200d👧",
    "flag 🇫🇷",
    "日本語のタイトル",
    "数据集 v2",
    "한국어 제목",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202eRTL override\u202c",
    "zero\u200bwidth",
    "\ufeffBOM",
    "\u00a0nbsp\u00a0",
    "\u3000ideographic space",
    "\x00\x01\x02\x07",
    "nul\x00byte",
    "line\nbreak",
    "tab\there",
    "\x7fdel",
    "c1 \x85 \x9b controls",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\x1b]52;c;ZXZpbA==\x07clipboard",
    "very long " * 50,
    "x" * 1000,
    "é" * 200,
    "a-" * 60,
    "-a" * 60,
    "a" * 41,
    "word " * 30,
    "the end.",
]


def _valid_branch(name: str) -> bool:
    done = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, text=True, check=False)
    return done.returncode == 0 and done.stdout.strip() == name


def test_check_ref_format_helper_can_fail():
    # The oracle must be able to say no, or the test below proves nothing.
    for bad in ("a..b", "x.lock", "-x", "a b", "@{", "trailing/", "x\x01"):
        assert not _valid_branch(bad), bad
    assert _valid_branch("experiment/42-gradient-boosting")


def test_hostile_titles_always_give_valid_git_branch_names():
    assert len(HOSTILE_TITLES) >= 100
    prefixes = sorted(set(DEFAULT_PREFIXES.values()))
    assert "" in prefixes and "experiment/" in prefixes
    invalid = []
    for title in HOSTILE_TITLES:
        for prefix in prefixes:
            name = branch_name(17, title, prefix)
            if not _valid_branch(name):
                invalid.append((title, prefix, name))
    assert invalid == []


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_title_slugs_are_plain_ascii(title):
    slug = slugify(title)
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", slug), slug
    assert len(slug) <= SLUG_MAX


@pytest.mark.parametrize("title", HOSTILE_TITLES[::7])
@pytest.mark.parametrize("number", [1, 42, 99999])
def test_branch_name_round_trips_to_its_issue(title, number):
    for key, prefix in DEFAULT_PREFIXES.items():
        name = branch_name(number, title, prefix)
        expected_key = None if key == "feature" else key
        assert issue_number_from_branch(name, DEFAULT_PREFIXES) == (expected_key, number)


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("experiment/42-gradient-boosting", ("experiment", 42)),
        ("data/3", ("data", 3)),
        ("explore/4-churn", ("explore", 4)),
        ("model/8-implement-churn-model", ("model", 8)),
        ("12-fix-readme", (None, 12)),
        ("12", (None, 12)),
        ("main", None),
        ("development", None),
        ("experiment/abc", None),
        ("experiment/12x", None),
        ("experiment/", None),
        ("feature/12-x", None),
        ("12x-foo", None),
        ("HEAD", None),
    ],
)
def test_issue_number_from_branch(name, owner):
    assert issue_number_from_branch(name, DEFAULT_PREFIXES) == owner


def test_issue_number_from_branch_prefers_the_longest_prefix():
    prefixes = {"data": "x/", "model": "x/y/", "feature": ""}
    assert issue_number_from_branch("x/y/5-z", prefixes) == ("model", 5)
    assert issue_number_from_branch("x/5-z", prefixes) == ("data", 5)
    reordered = {"model": "x/y/", "data": "x/", "feature": ""}
    assert issue_number_from_branch("x/y/5-z", reordered) == ("model", 5)


def test_issue_number_from_branch_with_custom_prefixes():
    prefixes = {**DEFAULT_PREFIXES, "experiment": "exp/", "feature": "feature/"}
    assert issue_number_from_branch("exp/9-x", prefixes) == ("experiment", 9)
    assert issue_number_from_branch("feature/9-x", prefixes) == ("feature", 9)
    assert issue_number_from_branch("experiment/9-x", prefixes) is None  # no longer a DSLP prefix


# --- references -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Ask Reference: #12",
        "Ask Reference:#12",
        "Ask Reference: # 12",
        "ask reference: #12",
        "ASK REFERENCE: #12",
        "  Ask   Reference  :   #12",
        "\tAsk Reference:\t#12",
        "**Ask Reference:** #12",
        "**Ask Reference**: #12",
        "__Ask Reference__: #12",
        "*Ask Reference:* #12",
        "`Ask Reference:` #12",
        "- Ask Reference: #12",
        "* Ask Reference: #12",
        "+ Ask Reference: #12",
        "  - **Ask Reference:** #12",
        "> Ask Reference: #12",
        "Ask Reference: [#12](https://github.com/o/r/issues/12)",
        "**Ask Reference:** [#12](https://github.com/o/r/issues/12)",
        "Ask Reference: [ #12 ](https://github.com/o/r/issues/12)",
        "Ask Reference: https://github.com/o/r/issues/12",
        "Ask Reference: http://ghe.example.com/org/repo/issues/12",
        "Ask Reference: https://github.com/o/r/issues/12#issuecomment-99",
        "Ask Reference: [https://github.com/o/r/issues/12](https://github.com/o/r/issues/12)",
        "- **Ask Reference:** https://github.com/o/r/issues/12",
    ],
)
def test_parse_reference_accepts_the_forms_people_type(line):
    body = f"## Description\n\n{line}\nThe goal is to beat the baseline.\n"
    assert parse_reference(body) == 12


@pytest.mark.parametrize(
    "body",
    [
        "",
        "## Description\n\nNo reference here.",
        "Ask Reference: none yet",
        "Ask Reference:",
        "The Ask Reference: #12 is in the text",  # not at the start of a line
        "Ask Ref: #12",
        "Based on Experiment: #12",
    ],
)
def test_parse_reference_finds_nothing(body):
    assert parse_reference(body) is None


def test_parse_reference_takes_the_first_line_of_that_name():
    body = "Based on Experiment: #5\nAsk Reference: #1\nAsk Reference: #2\n"
    assert parse_reference(body) == 1
    assert parse_reference(body, BASED_ON_EXPERIMENT) == 5
    assert parse_reference("**Based on Experiment:** [#7](https://github.com/o/r/issues/7)", BASED_ON_EXPERIMENT) == 7
    assert parse_reference(None) is None  # type: ignore[arg-type]


def test_parse_reference_reads_pull_request_urls_too():
    assert parse_reference("Based on Experiment: https://github.com/o/r/pull/31", BASED_ON_EXPERIMENT) == 31


def test_set_reference_rewrites_an_existing_line_in_place():
    body = "## Description\n\n**Ask Reference:** [#2](https://github.com/o/r/issues/2)\nGoal.\n"
    updated = set_reference(body, ASK_REFERENCE, 9)
    assert updated == "## Description\n\nAsk Reference: #9\nGoal.\n"
    assert parse_reference(updated) == 9


def test_set_reference_goes_under_description_when_missing():
    body = "## Description\n\nGoal.\n\n## Metrics\n\nr2\n"
    updated = set_reference(body, BASED_ON_EXPERIMENT, 5)
    assert updated.startswith("## Description\nBased on Experiment: #5\n")
    assert parse_reference(updated, BASED_ON_EXPERIMENT) == 5
    assert parse_sections(updated)["Metrics"] == "r2"


def test_set_reference_goes_on_top_without_description():
    assert set_reference("## Overview\n\nWhy.", ASK_REFERENCE, 3) == "Ask Reference: #3\n## Overview\n\nWhy."
    assert set_reference("", ASK_REFERENCE, 3) == "Ask Reference: #3"


def test_set_reference_keeps_the_other_reference():
    body = "## Description\n\nAsk Reference: #1\nBased on Experiment: #5\n"
    updated = set_reference(body, BASED_ON_EXPERIMENT, 6)
    assert parse_reference(updated) == 1
    assert parse_reference(updated, BASED_ON_EXPERIMENT) == 6
    assert updated.count("Based on Experiment") == 1


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", list(PROCESS_HEADINGS))
def test_render_body_has_every_heading_in_order(template_id):
    body = render_body(template(template_id), {})
    assert re.findall(r"^## (.+)$", body, re.MULTILINE) == PROCESS_HEADINGS[template_id]
    assert list(parse_sections(body)) == PROCESS_HEADINGS[template_id]


def test_render_body_uses_starters_unless_text_was_given():
    tpl = template("ask")
    body = render_body(tpl, {"Solution Architecture": "Batch scoring.", "See Also": ""})
    sections = parse_sections(body)
    assert sections["Solution Architecture"] == "Batch scoring."
    assert sections["See Also"] == ""  # given empty: the starter is not put back
    assert "### Desired Outcome" in sections["Problem Statement"]
    assert "### Datasets" in sections["Data Requirements"]


def test_render_body_puts_references_first_in_description():
    body = render_body(
        template("model"),
        {"Description": "Daily batch scoring."},
        {ASK_REFERENCE: 1, BASED_ON_EXPERIMENT: 5},
    )
    description = [line for line in parse_sections(body)["Description"].splitlines() if line.strip()]
    assert description == ["Ask Reference: #1", "Based on Experiment: #5", "Daily batch scoring."]
    assert parse_reference(body) == 1
    assert parse_reference(body, BASED_ON_EXPERIMENT) == 5
    assert "- [ ] " in parse_sections(body)["Steps"]


def test_render_body_reference_with_empty_description():
    body = render_body(template("experiment"), {}, {ASK_REFERENCE: 3})
    assert parse_sections(body)["Description"] == "Ask Reference: #3"


def test_render_body_reference_without_a_description_section():
    body = render_body(template("explore"), {"Overview": "Seasonality."}, {ASK_REFERENCE: 4})
    assert parse_reference(body) == 4
    assert list(parse_sections(body)) == PROCESS_HEADINGS["explore"]
    assert parse_sections(body)["Overview"] == "Seasonality."


def _own_line(body: str, heading: str) -> bool:
    return any(line.strip() == heading for line in body.split("\n"))


@pytest.mark.parametrize(
    "typed",
    [
        "Fraud costs 2%### Desired Outcome\n\n### Current State\n",  # typed at the start of the starter
        "### Desired OutcomeFraud costs 2%\n\n### Current State\n",  # typed at the end of the heading
        "### Desired Outcome\n\nFraud costs 2%### Current State",  # no newline before the next heading
        "Fraud costs 2% ### Desired Outcome Rules today ### Current State Manual review",  # all on one line
    ],
)
def test_render_body_puts_every_heading_on_a_line_of_its_own(typed):
    body = render_body(template("ask"), {"Problem Statement": typed})
    for heading in ("### Desired Outcome", "### Current State", *(f"## {h}" for h in PROCESS_HEADINGS["ask"])):
        assert _own_line(body, heading), (heading, body)
    assert any(line.strip() == "Fraud costs 2%" for line in body.split("\n"))
    assert "\n\n\n" not in body
    assert list(parse_sections(body)) == PROCESS_HEADINGS["ask"]


def test_isolate_headings_leaves_well_formed_text_alone():
    text = "### Desired Outcome\n\nFraud below 1%\n\n### Current State\n\n#### Desired Outcome (deeper)\n"
    assert isolate_headings(text, sub_headings(template("ask"))) == text
    assert isolate_headings("Fraud### Impact", ()) == "Fraud### Impact"


def test_isolate_headings_separates_with_one_blank_line():
    assert isolate_headings("Fraud costs 2%### Desired Outcome", ["### Desired Outcome"]) == (
        "Fraud costs 2%\n\n### Desired Outcome"
    )
    assert isolate_headings("### Metrics r2 >= 0.75\n", ["### Metrics"]) == "### Metrics\n\nr2 >= 0.75\n"
    assert isolate_headings("### Impact\nFewer chargebacks\n### Metrics\n", ["### Impact", "### Metrics"]) == (
        "### Impact\n\nFewer chargebacks\n\n### Metrics\n"
    )


def test_sub_headings_are_the_starters_headings():
    assert sub_headings(template("ask"))[:3] == ("### Desired Outcome", "### Current State", "### Impact")
    assert sub_headings(template("data")) == ()


@pytest.mark.parametrize(
    ("starter", "expected"),
    [
        ("### Desired Outcome\n\n### Current State\n", ("### Desired Outcome\n\n### Current State\n", (1, 0))),
        ("### Datasets", ("### Datasets\n", (1, 0))),  # no line under the heading: one is made
        ("### A\n### B\n", ("### A\n\n### B\n", (1, 0))),
        ("- [ ] \n", ("- [ ] \n", (0, 6))),
        ("Experiment History: \n\nTL;DR: \n", ("Experiment History: \n\nTL;DR: \n", (0, 20))),
        ("- [ ] Add tests\n", ("- [ ] Add tests\n", (1, 0))),
        ("", ("", (0, 0))),
    ],
)
def test_writing_spot_is_under_the_first_sub_heading(starter, expected):
    assert writing_spot(starter) == expected


def test_render_body_ignores_sections_the_template_lacks():
    body = render_body(template("experiment"), {"Bogus": "should not appear"})
    assert "Bogus" not in body and "should not appear" not in body


@pytest.mark.parametrize("template_id", list(PROCESS_HEADINGS))
def test_parse_sections_round_trips_render_body(template_id):
    tpl = template(template_id)
    texts = {heading: f"Text for {heading}.\n\n### Sub\n\n- item" for heading in PROCESS_HEADINGS[template_id]}
    body = render_body(tpl, texts)
    assert parse_sections(body) == texts
    assert render_body(tpl, parse_sections(body)) == body


def test_parse_sections_keeps_subheadings_and_ignores_the_preamble():
    body = "preamble\n## A\n\nline\n### Sub\nmore\n## B\n##not a heading\n"
    assert parse_sections(body) == {"A": "line\n### Sub\nmore", "B": "##not a heading"}
    assert parse_sections("") == {}
    assert parse_sections("no headings at all") == {}


# --- listing children in an Ask ---------------------------------------------------------------


def test_add_to_section_appends_at_the_end_of_the_section():
    body = "## A\n\n- #2 first\n\n## B\n\ntext\n"
    updated = add_to_section(body, "A", "- #3 second")
    assert parse_sections(updated) == {"A": "- #2 first\n- #3 second", "B": "text"}


def test_add_to_section_in_an_empty_section_keeps_the_next_heading():
    body = "## A\n\n## B\n\ntext\n"
    updated = add_to_section(body, "A", "- #3 x")
    assert parse_sections(updated) == {"A": "- #3 x", "B": "text"}
    assert "\n\n## B" in updated  # a blank line still separates the sections


def test_add_to_section_after_a_subheading():
    body = render_body(template("ask"), {})
    updated = add_to_section(body, "Data Requirements", "- #2 Get CRM Dataset")
    section = parse_sections(updated)["Data Requirements"]
    assert section.splitlines()[0] == "### Datasets"
    assert section.splitlines()[-1] == "- #2 Get CRM Dataset"
    assert list(parse_sections(updated)) == PROCESS_HEADINGS["ask"]


def test_add_to_section_adds_a_missing_section_at_the_end():
    assert add_to_section("", "A", "- x") == "## A\n\n- x\n"
    updated = add_to_section("## B\n\ntext\n", "A", "- x")
    assert parse_sections(updated) == {"B": "text", "A": "- x"}


def test_add_to_section_matches_the_whole_heading():
    updated = add_to_section("## Approaches and Experiments Archive\n\n- old\n", "Approaches and Experiments", "- new")
    assert parse_sections(updated)["Approaches and Experiments Archive"] == "- old"
    assert parse_sections(updated)["Approaches and Experiments"] == "- new"


def test_add_to_section_is_idempotent():
    body = render_body(template("ask"), {})
    once = add_to_section(body, "Approaches and Experiments", "- #5 Gradient boosting")
    assert once != body
    assert add_to_section(once, "Approaches and Experiments", "- #5 Gradient boosting") == once
