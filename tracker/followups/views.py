"""Follow-up pages: My day, and adding, completing, cancelling and rescheduling a follow-up."""
