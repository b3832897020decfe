"""What staff wrote when they completed the demo's follow-ups: outcomes by kind, as tuples to pick from."""

from tracker.enquiries.models import ContactOutcome

CALL = {ContactOutcome.NO_ANSWER: ("No answer", "No answer; will try again", "Rang twice, no answer"),
        ContactOutcome.VOICEMAIL: ("Left a voicemail", "Voicemail left asking them to call back"),
        ContactOutcome.MESSAGE_SENT: ("E-mailed; no reply yet", "Sent a message with the price list"),
        ContactOutcome.WRONG_NUMBER: ("Wrong number; e-mailed instead",)}
REACHED = ("Spoke to patient, thinking about it", "Spoke to patient; wants a consultation",
           "Spoke to patient; sent the price list", "Spoke to patient; will call back after payday")
REMINDED = ("Reminder sent; patient confirmed", "Texted a reminder", "Rang; patient confirmed",
            "Left a voicemail reminder")
MISSED = ("Spoke to patient about the missed consultation; rebooked", "Patient rang back; rebooked")
CHECKED_IN = ("Spoke to patient; the plan is being written up", "Patient has questions about downtime")
CHASED = ("Spoke to patient, thinking about it", "No answer", "Left a voicemail", "Patient wants to talk it over",
          "Asked about paying in instalments")
PREPARED = ("Medical history checked; aftercare explained", "Confirmed the appointment and the pre-care",
            "Pre-treatment checks done")
AFTERCARE = ("Healing well; no concerns", "Some redness, settling", "Wound check done; healing well")
REVIEWED = ("Reviewed: pleased with the result", "Reviewed: photographs taken", "Reviewed: wants a top-up")
