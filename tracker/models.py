"""Every table: each feature's models, imported together so the mappers (naming each other by string) configure."""

import tracker.audit.models
import tracker.auth.models
import tracker.bookings.models
import tracker.calendar.models
import tracker.catalogue.models
import tracker.consultations.models
import tracker.enquiries.models
import tracker.followups.models
import tracker.imports.models
import tracker.intake.models
import tracker.jobs.models
import tracker.patients.models
import tracker.plans.models
import tracker.settings.models  # noqa: F401  (each registers its tables on import)
