"""imports: work this feature hands to the task queue."""
