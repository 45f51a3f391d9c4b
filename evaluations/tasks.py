"""Background work of the evaluations app (thin: load rows by id, call one function)."""

from __future__ import annotations

import hashlib
import logging

from celery import shared_task
from django.db import transaction

from evaluations.enums import MaterialKind
from evaluations.exports.letter_pdf import recommendation_letter_pdf
from evaluations.materials import attach_generated_file
from evaluations.models import MaterialFile, RecommendationLetter
from ipcity.celery import RETRY_ON_TRANSIENT

log = logging.getLogger(__name__)


@shared_task(name="evaluations.generate_recommendation_letter", **RETRY_ON_TRANSIENT)
def generate_recommendation_letter(*, letter_id: int) -> int | None:
    """Render the province's 推荐函 and attach it to the application; return the Material's id.

    Running it again gives the same result: the same letter renders to the same bytes, and
    a new version is added only when they differ from the current one.
    """
    letter = (RecommendationLetter.objects
              .select_related("application__cycle", "application__city__province", "written_by")
              .filter(pk=letter_id).first())
    if letter is None:
        log.warning("recommendation letter %s no longer exists: no PDF generated", letter_id)
        return None
    application = letter.application
    content = recommendation_letter_pdf(letter)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        # Two deliveries of the message at once (a redelivery) compare and attach one after the other.
        RecommendationLetter.objects.select_for_update().filter(pk=letter_id).first()
        current = (MaterialFile.objects.select_related("material")
                   .filter(material__application=application, material__kind=MaterialKind.RECOMMENDATION_LETTER)
                   .order_by("-version").first())
        if current is not None and current.sha256 == digest:
            material = current.material
        else:
            material = attach_generated_file(
                application, kind=MaterialKind.RECOMMENDATION_LETTER,
                filename=f"recommendation-letter-{application.cycle.year}-{application.city.code}.pdf",
                content=content, content_type="application/pdf", by=None,
            ).material
        if letter.pdf_id != material.pk:
            letter.pdf = material
            letter.save(update_fields=["pdf"])
    log.info("recommendation letter %s: PDF is material %s (sha256 %s)", letter_id, material.pk, digest[:12])
    return material.pk
