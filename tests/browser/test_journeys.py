"""Journeys 1–5 of issue #7 in a real browser, each as the real user with the real forms:

1. ``fushun`` prepares 抚顺市's DEMONSTRATION application: part of the basic-information table in the browser, the
   rest as Excel (one bad cell refused, then fixed), proof and the government letter uploaded, the work summary
   written, submitted.
2. ``liaoning`` returns it with a reason; ``fushun`` reads the reason, edits and resubmits; ``liaoning`` records
   the measurement, uploads the score sheet, attests the conditions, fills the recommendation letter, recommends.
3. ``cnipa`` accepts it, creates the default rubric and assigns reviewers automatically; the reviewer from 辽宁
   is skipped by the conflict rules.
4. ``expert1`` declares no conflict, scores every subjective criterion with a comment, submits; the review is
   then read-only and a POST changes nothing.
5. ``cnipa`` approves and publishes; the public page lists 抚顺市; ``fushun`` sees the outcome.

The journeys run one after the other in one test (each needs the state the previous one left). Screenshots
are saved under var/screenshots/journey<N>-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cities.models import Notification
from evaluations.enums import ApplicationState, MaterialKind, NarrativeDocument
from evaluations.exports.basic_info_xlsx import layout
from evaluations.models import Application, IndicatorValue, Material
from ipcity.dates import local_today
from reviews.enums import AssignmentStatus, Recommendation, ReportKind
from reviews.models import Assignment, Review
from reviews.services.assignments import declare_no_conflict
from reviews.services.decisions import publish_cycle_results
from reviews.services.scoring import open_review, save_scores, submit_review, subjective_leaves
from tests.browser.conftest import screenshot
from tests.browser.journey_support import (
    LIAONING_REVIEWER,
    OUTSIDE_REVIEWERS,
    accept_confirmations,
    build_world,
    cell_value,
    decided_application,
    fill_workbook,
    read_download,
    sign_in,
    sign_out,
    state_of,
    submit_and_wait,
    submit_upload,
    upload_material,
    watched_context_page,
    xlsx_upload,
)
from tests.evaluations.basic_info_support import TYPED

pytestmark = pytest.mark.django_db(transaction=True)

S = ApplicationState
RETURN_REASON = "工作总结第二部分缺少2025年度专利质押融资数据，请补充后重新提交。"
ADDED_TEXT = "2025年全市专利权质押融资2.35亿元，同比增长18%。"
BAD_TEXT = "约一万三千"  # words, not a number: the importer refuses the cell


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def application_path(application) -> str:
    return reverse("application_detail", args=[application.pk])


# --- journey 1 -------------------------------------------------------------------------------------


def journey1_city_prepares_and_submits(page, live_server, world) -> Application:
    cycle, city = world.cycle, world.fushun_city
    sign_in(page, live_server, "fushun", then=reverse("cycle_detail", args=[cycle.pk]))
    assert cycle.title in page.locator("main h1").inner_text()
    screenshot(page, "journey1-cycle")
    submit_and_wait(page, f"form[action='{reverse('application_start', args=[cycle.pk, city.code])}'] "
                          "button[type=submit]")
    application = Application.objects.get(cycle=cycle, city=city)
    assert page.url.endswith(application_path(application))
    assert state_of(page) == S.DRAFT
    assert page.locator("#missing-list li").count() >= 4  # table, letter, proof, summary

    # Section one of the table in the browser, as typed (units, full-width digits, thousands separators).
    table_path = reverse("application_basic_info", args=[application.pk])
    page.click(f"a[href='{table_path}']")
    page.wait_for_url(f"**{table_path}")
    indicators = list(cycle.basic_info_template.indicators.all())
    in_browser = [i for i in indicators if i.number <= 10]
    for indicator in in_browser:
        page.fill(f"[name=v{indicator.pk}]", TYPED[indicator.number, indicator.sub_item][0])
    screenshot(page, "journey1-basic-info-typed")
    submit_and_wait(page, "form:not([action]) button.btn-primary[type=submit]")
    assert page.locator(".alert-success").count() == 1
    assert IndicatorValue.objects.filter(city=city, year=cycle.data_year).count() == len(in_browser)

    # The rest offline: the official Excel table, downloaded through the page's link (it carries the rows
    # already typed), filled with one bad cell.
    with page.expect_download() as downloading:
        page.click(f"a[href='{reverse('application_basic_info_xlsx', args=[application.pk])}']")
    downloaded = read_download(downloading.value)
    rows = layout(indicators).rows
    offline = {f"D{rows[i.pk]}": cell_value(TYPED[i.number, i.sub_item][1]) for i in indicators if i.number > 10}
    trademarks = next(i for i in indicators if i.number == 17)
    bad_cell = f"D{rows[trademarks.pk]}"
    import_form = f"form[action='{reverse('application_basic_info_import', args=[application.pk])}']"
    page.set_input_files(f"{import_form} input[type=file]",
                         xlsx_upload("基本情况表.xlsx", fill_workbook(downloaded, {**offline, bad_cell: BAD_TEXT})))
    submit_upload(page, f"{import_form} button[type=submit]")
    errors = page.locator("#import-errors").inner_text()
    assert f"{bad_cell}:" in errors or f"{bad_cell}：" in errors, errors
    assert BAD_TEXT in errors
    assert IndicatorValue.objects.filter(city=city, year=cycle.data_year).count() == len(in_browser)
    screenshot(page, "journey1-basic-info-cell-error")

    page.set_input_files(f"{import_form} input[type=file]",
                         xlsx_upload("基本情况表（修改）.xlsx", fill_workbook(downloaded, offline)))
    submit_upload(page, f"{import_form} button[type=submit]")
    assert page.locator("#import-errors").count() == 0
    assert page.locator(f"[name=v{trademarks.pk}]").input_value() == "12876"
    assert page.locator("main .badge.text-bg-success").count() == 1  # the table is complete
    screenshot(page, "journey1-basic-info-complete")

    # Proof and the government letter through the materials form, then the work summary.
    page.goto(f"{live_server.url}{application_path(application)}")
    upload_material(page, kind=MaterialKind.PROOF, title="抚顺市专利权质押登记证明", name="质押登记证明.pdf")
    upload_material(page, kind=MaterialKind.GOVERNMENT_LETTER, name="抚顺市人民政府申报函.pdf")
    assert set(application.materials.values_list("kind", flat=True)) == {
        MaterialKind.PROOF, MaterialKind.GOVERNMENT_LETTER}
    page.fill("form[action$='/details/'] input[name=theme]", "知识产权运用促进产业转型升级")
    submit_and_wait(page, "form[action$='/details/'] button[type=submit]")

    sections_path = reverse("application_sections", args=[application.pk, NarrativeDocument.WORK_SUMMARY])
    page.click(f"a[href='{sections_path}']")
    page.wait_for_url(f"**{sections_path}")
    areas = page.locator("textarea[name^=section-]")
    for n in range(areas.count()):
        areas.nth(n).fill(f"第{n + 1}部分：抚顺市示范培育期间的工作内容与成效。")
    screenshot(page, "journey1-work-summary")
    submit_and_wait(page, "main form[method=post] button.btn-primary[type=submit]")

    assert page.locator("#missing-list").count() == 0
    screenshot(page, "journey1-application-ready")
    submit_and_wait(page, "button[data-action=submit]")
    assert state_of(page) == S.SUBMITTED
    sign_out(page)
    return application


# --- journey 2 -------------------------------------------------------------------------------------


def journey2_province_returns_then_recommends(page, live_server, world, application) -> None:
    detail = application_path(application)
    sign_in(page, live_server, "liaoning", then=detail)
    page.fill("#reason-return", RETURN_REASON)
    screenshot(page, "journey2-province-review")
    submit_and_wait(page, "button[data-action=return]")
    assert state_of(page) == S.DRAFT
    sign_out(page)

    # fushun reads the reason in the inbox and on the application's timeline, edits, resubmits.
    sign_in(page, live_server, "fushun", then=reverse("home"))
    assert page.locator("#unread-count").count() == 1
    page.click("#inbox-link")
    notice = page.locator("#notification-list form").filter(has_text=RETURN_REASON)
    assert notice.count() == 1
    screenshot(page, "journey2-city-inbox")
    with page.expect_navigation():
        notice.locator("button[type=submit]").click()
    assert page.url.endswith(detail)
    assert RETURN_REASON in page.locator("#h-timeline").locator("xpath=..").inner_text()
    sections_path = reverse("application_sections", args=[application.pk, NarrativeDocument.WORK_SUMMARY])
    page.click(f"a[href='{sections_path}']")
    second = page.locator("textarea[name^=section-]").nth(1)
    second.fill(f"{second.input_value()}\n{ADDED_TEXT}")
    submit_and_wait(page, "main form[method=post] button.btn-primary[type=submit]")
    submit_and_wait(page, "button[data-action=submit]")
    assert state_of(page) == S.SUBMITTED
    assert page.locator(f"a[href='{reverse('application_diff', args=[application.pk])}']").count() == 1
    screenshot(page, "journey2-city-resubmitted")
    sign_out(page)

    # liaoning measures, uploads the score sheet, attests each condition with the proof, recommends.
    sign_in(page, live_server, "liaoning", then=detail)
    measurement = "form[action$='/measurement/']"
    # The officer types the dates of the measurement and of the letter. (The forms should also show a default,
    # but in Chinese they show none: see test_date_fields_show_their_default_in_chinese.)
    measured_on = local_today() - dt.timedelta(days=3)
    page.fill(f"{measurement} input[name=measured_on]", measured_on.isoformat())
    page.fill(f"{measurement} input[name=score]", "86.50")
    page.fill(f"{measurement} textarea[name=notes]", "依据《评定示范城市指标体系》测评")
    submit_and_wait(page, "button[data-action=measurement]")
    recorded = Application.objects.get(pk=application.pk).measurement
    assert (str(recorded.score), recorded.measured_on) == ("86.50", measured_on)
    upload_material(page, kind=MaterialKind.SCORE_SHEET, name="指标体系得分表.pdf")
    proof = Material.objects.get(application=application, kind=MaterialKind.PROOF)
    for item in application.cycle.checklist.all():
        form = f"form[action='{reverse('application_attest', args=[application.pk, item.pk])}']"
        page.check(f"{form} input[name=item{item.pk}-met]")
        page.select_option(f"{form} select[name=item{item.pk}-evidence]", str(proof.pk))
        page.fill(f"{form} input[name=item{item.pk}-note]", "已核实原件")
        submit_and_wait(page, f"button[data-action=attest-{item.code}]")
    assert application.attestations.filter(met=True, evidence=proof).count() == application.cycle.checklist.count()
    screenshot(page, "journey2-province-attested")

    page.click("a[data-action=recommend]")
    page.wait_for_url(f"**{reverse('application_recommend', args=[application.pk])}")
    assert page.input_value("input[name=measured_score]") in ("86.50", "86.5")  # from the measurement
    page.check("input[name=materials_authentic]")
    page.fill("textarea[name=authenticity_conclusion]", "经审核，抚顺市申报材料真实、准确、完整。")
    page.fill("textarea[name=opinion]", "抚顺市知识产权示范培育工作成效显著，同意推荐。")
    page.fill("input[name=rank]", "1")
    page.fill("input[name=letter_date]", local_today().isoformat())
    screenshot(page, "journey2-recommendation-letter")
    submit_and_wait(page, "button[data-action=recommend-submit]")
    assert page.url.endswith(detail)
    assert state_of(page) == S.RECOMMENDED
    letter = Application.objects.get(pk=application.pk).recommendation
    assert letter.pdf_id is not None  # the letter became the 推荐函 PDF, shown among the materials
    assert page.locator(f"tr#material-{letter.pdf_id}").count() == 1
    screenshot(page, "journey2-recommended")
    sign_out(page)


# --- journey 3 -------------------------------------------------------------------------------------


def journey3_national_accepts_and_assigns(page, live_server, world, application) -> None:
    cycle = world.cycle
    sign_in(page, live_server, "cnipa", then=application_path(application))
    submit_and_wait(page, "button[data-action=accept]")
    assert state_of(page) == S.UNDER_REVIEW

    page.goto(f"{live_server.url}{reverse('rubric_detail', args=[cycle.pk])}")
    submit_and_wait(page, f"form[action='{reverse('rubric_create', args=[cycle.pk])}'] button[type=submit]")
    assert len(subjective_leaves(cycle.rubric.pk)) == 5
    screenshot(page, "journey3-rubric")

    page.goto(f"{live_server.url}{reverse('cycle_assignments', args=[cycle.pk])}")
    auto = f"form[action='{reverse('cycle_auto_assign', args=[cycle.pk])}']"
    # The due date is typed (in Chinese the default does not show: test_date_fields_show_their_default_in_chinese).
    page.fill(f"{auto} input[name=due_date]", (local_today() + dt.timedelta(days=20)).isoformat())
    submit_and_wait(page, f"{auto} button[type=submit]")
    skipped = page.locator("#auto-skipped li")
    assert skipped.count() == 1
    assert all(word in skipped.first.inner_text() for word in (LIAONING_REVIEWER, "抚顺市", "辽宁省"))
    assert page.locator("#auto-unfilled").count() == 0
    card = page.locator(f"#application-{application.pk}").inner_text()
    assert all(name in card for name in OUTSIDE_REVIEWERS) and LIAONING_REVIEWER not in card
    assert sorted(Assignment.objects.filter(application=application).values_list("reviewer__username", flat=True)
                  ) == OUTSIDE_REVIEWERS
    screenshot(page, "journey3-assignments")
    sign_out(page)


# --- journey 4 -------------------------------------------------------------------------------------


def journey4_expert_scores_and_submits(page, live_server, world, application) -> None:
    assignment = Assignment.objects.get(application=application, reviewer__username="expert1")
    score_path = reverse("review_score", args=[assignment.pk])
    sign_in(page, live_server, "expert1", then=reverse("my_assignments"))
    row = f"#assignment-{assignment.pk}"
    assert world.fushun_city.full_name in page.locator(row).inner_text()
    screenshot(page, "journey4-my-assignments")
    submit_and_wait(page, f"{row} form[action$='/open/'] button[type=submit]")  # opens the scoring page
    assert page.url.endswith(score_path)

    points = page.locator("#review-form input.score-points")
    assert points.count() == 5  # every subjective criterion of the default rubric
    given = {}
    for n in range(points.count()):
        field = points.nth(n)
        pk = int(field.get_attribute("name").removeprefix("points-"))
        value = f"{float(field.get_attribute('max')) * 0.8:.2f}"
        field.fill(value)
        page.fill(f"textarea[name=comment-{pk}]", f"第{n + 1}项：目标明确，措施有力。")
        given[pk] = value
    page.fill("textarea[name=opinion]", "抚顺市知识产权工作基础扎实，示范带动作用明显，建议通过。")
    page.select_option("select[name=recommendation]", Recommendation.APPROVE)
    assert page.locator("#subjective-total").inner_text() == "80.00"  # scoring.js adds up as one types
    screenshot(page, "journey4-scoring")
    submit_and_wait(page, "button[name=action][value=submit]")

    review = Review.objects.get(assignment=assignment)
    assert review.is_submitted
    assert page.locator("#review-form").count() == 0
    assert page.locator("#criteria-pane input, #criteria-pane textarea, #criteria-pane select").count() == 0
    assert sorted(page.locator(".own-points").all_inner_texts()) == sorted(given.values())
    screenshot(page, "journey4-submitted")

    # A POST of changed scores (as a stale tab or a crafted request would send) changes nothing.
    before = list(review.scores.order_by("pk").values_list("points", "comment"))
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    changed = {"csrfmiddlewaretoken": token, "opinion": "改", "recommendation": Recommendation.REJECT,
               "action": "save", **{f"points-{pk}": "1" for pk in given}, **{f"comment-{pk}": "改" for pk in given}}
    response = page.request.post(f"{live_server.url}{score_path}", form=changed,
                                 headers={"Referer": f"{live_server.url}{score_path}"})
    assert response.ok
    review.refresh_from_db()
    assert (review.opinion, review.recommendation) != ("改", Recommendation.REJECT)
    assert list(review.scores.order_by("pk").values_list("points", "comment")) == before
    page.reload()
    assert sorted(page.locator(".own-points").all_inner_texts()) == sorted(given.values())
    sign_out(page)


def other_reviewers_submit(application) -> None:
    """The four other experts' reviews, through the services rather than the browser to keep the test short:
    the browser path of one review is journey 4. A decision needs every assigned review submitted."""
    leaves = subjective_leaves(application.cycle.rubric.pk)
    for assignment in Assignment.objects.filter(application=application).exclude(reviewer__username="expert1"):
        reviewer = assignment.reviewer
        declare_no_conflict(assignment, by=reviewer)
        assignment.refresh_from_db()
        review = open_review(assignment, by=reviewer)
        save_scores(review, scores={c.pk: (c.max_points * 3 / 4, "基础较好") for c in leaves}, opinion="同意通过",
                    recommendation=Recommendation.APPROVE, by=reviewer)
        submit_review(review, by=reviewer)
    assert set(Assignment.objects.filter(application=application).values_list("status", flat=True)) == {
        AssignmentStatus.SUBMITTED}


# --- journey 5 -------------------------------------------------------------------------------------


def journey5_decide_publish_and_see(page, live_server, world, application, browser, context_args) -> None:
    cycle = world.cycle
    sign_in(page, live_server, "cnipa", then=reverse("cycle_decisions", args=[cycle.pk]))
    assert page.locator("#ranking-table tbody tr").count() == 1
    page.check(f"#choose-{application.pk}")
    page.select_option("#decide-form select[name=outcome]", "approved")
    page.fill("#decide-form textarea[name=rationale]", "专家评审意见一致，同意认定为国家知识产权示范城市。")
    screenshot(page, "journey5-decisions")
    submit_and_wait(page, "#decide-form button[type=submit]")
    assert Application.objects.get(pk=application.pk).state == S.APPROVED
    submit_and_wait(page, f"form[action='{reverse('cycle_publish_results', args=[cycle.pk])}'] button[type=submit]")
    cycle.refresh_from_db()
    assert cycle.results_published_at is not None
    screenshot(page, "journey5-published")
    sign_out(page)

    # Anyone, signed out in a fresh browser, sees 抚顺市 on the public results page.
    context, public, watch = watched_context_page(browser, live_server, context_args)
    try:
        public.goto(f"{live_server.url}{reverse('public_results')}")
        listed = public.locator("main").inner_text()
        assert cycle.title in listed and "抚顺市" in listed and "辽宁省" in listed
        assert public.locator("#inbox-link").count() == 0
        screenshot(public, "journey5-public-results")
        assert watch.foreign == [], watch.foreign
        assert watch.console_errors == [], watch.console_errors
    finally:
        context.close()

    # fushun sees the outcome: on the application page and in the inbox.
    sign_in(page, live_server, "fushun", then=application_path(application))
    assert state_of(page) == S.APPROVED
    screenshot(page, "journey5-city-outcome")
    assert Notification.objects.filter(recipient=world.users["fushun"], title__contains=cycle.title,
                                       url=application_path(application)).exists()


def test_journeys_1_to_5_demonstration_application_from_city_to_published_result(
        watched_page, live_server, browser, browser_context_args):
    page, _watch = watched_page
    accept_confirmations(page)
    world = build_world()
    application = journey1_city_prepares_and_submits(page, live_server, world)
    journey2_province_returns_then_recommends(page, live_server, world, application)
    journey3_national_accepts_and_assigns(page, live_server, world, application)
    journey4_expert_scores_and_submits(page, live_server, world, application)
    other_reviewers_submit(application)
    journey5_decide_publish_and_see(page, live_server, world, application, browser, browser_context_args)


# --- what the app does not offer yet (each strict: it fails as soon as the app is fixed, to drop the marker) ---


def test_journey5_city_downloads_the_review_summary_pdf(watched_page, live_server):
    """Journey 5's last step: once the results are published, fushun asks for the summary of the reviews of its
    application on the application page, watches the progress (polled with htmx) and downloads the PDF."""
    page, _watch = watched_page
    world = build_world()
    application = decided_application(world, rationale="同意")
    publish_cycle_results(world.cycle, by=world.users["cnipa"])
    sign_in(page, live_server, "fushun", then=application_path(application))
    assert state_of(page) == S.APPROVED
    request = f"form[action='{reverse('report_request', args=[ReportKind.APPLICATION_SUMMARY_PDF, application.pk])}']"
    if page.locator(request).count() == 0:
        pytest.fail("the application page offers no button for the review summary PDF")
    submit_and_wait(page, f"{request} button[type=submit]")
    page.wait_for_selector("#report-download", timeout=15_000)  # the progress partial swaps itself in
    screenshot(page, "journey5-city-review-summary")
    with page.expect_download() as downloading:
        page.click("#report-download")
    assert read_download(downloading.value).startswith(b"%PDF-")


def test_city_does_not_learn_the_decision_before_publication(watched_page, live_server):
    page, _watch = watched_page
    world = build_world()
    rationale = "评审得分位列第一，同意认定（保密，公示前不得外传）"
    application = decided_application(world, rationale=rationale)
    sign_in(page, live_server, "fushun", then=application_path(application))
    assert state_of(page) == S.UNDER_REVIEW  # the badge hides the outcome …
    screenshot(page, "journey5-city-before-publication")
    timeline = page.locator("#h-timeline").locator("xpath=..").inner_text()
    assert rationale not in timeline  # … and so must the timeline
    assert "已批准" not in timeline  # 'Approved' in locale/zh_Hans/LC_MESSAGES/django.po


def test_date_fields_show_their_default_in_chinese(watched_page, live_server):
    """The journeys type these dates by hand; a user should find today's date (or the default due date) there."""
    page, _watch = watched_page
    world = build_world()
    application = Application.objects.create(cycle=world.cycle, city=world.fushun_city, state=S.SUBMITTED, round=1)
    today = local_today()
    sign_in(page, live_server, "liaoning", then=application_path(application))
    shown = {"measured_on": page.input_value("form[action$='/measurement/'] input[name=measured_on]")}
    page.goto(f"{live_server.url}{reverse('application_recommend', args=[application.pk])}")
    shown["letter_date"] = page.input_value("input[name=letter_date]")
    sign_out(page)
    sign_in(page, live_server, "cnipa", then=reverse("cycle_assignments", args=[world.cycle.pk]))
    shown["due_date"] = page.input_value("form[action$='/assignments/auto/'] input[name=due_date]")
    assert shown == {"measured_on": today.isoformat(), "letter_date": today.isoformat(),
                     "due_date": (today + dt.timedelta(days=30)).isoformat()}
