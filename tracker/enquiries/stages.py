"""The pipeline: its stages and the one table of allowed moves between them."""

import enum


class Stage(enum.StrEnum):
    """Where an enquiry is in the journey from first contact to completed treatment."""

    NEW = "new"
    CONTACTED = "contacted"
    CONSULTATION_BOOKED = "consultation_booked"
    CONSULTED = "consulted"
    PLAN_PROPOSED = "plan_proposed"
    TREATMENT_BOOKED = "treatment_booked"
    IN_TREATMENT = "in_treatment"
    COMPLETED = "completed"
    LOST = "lost"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Still being worked: neither completed nor lost."""
        return self not in CLOSED_STAGES


CLOSED_STAGES = frozenset({Stage.COMPLETED, Stage.LOST})
# Queries name the open stages rather than exclude the closed ones: "stage IN (...)" lets an
# index on (x, stage) be read as a few ranges, where "NOT IN" reads every entry for x.
OPEN_STAGES = tuple(s for s in Stage if s not in CLOSED_STAGES)
PIPELINE = [s for s in Stage if s is not Stage.LOST]  # the order stages are shown in

# Allowed moves. LOST is reachable from every open stage; leaving LOST ("reopen") goes back
# to the stage the enquiry was lost from, which the services look up, so it is not listed here.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.NEW: frozenset({Stage.CONTACTED, Stage.CONSULTATION_BOOKED, Stage.LOST}),
    Stage.CONTACTED: frozenset({Stage.CONSULTATION_BOOKED, Stage.LOST}),
    # Back to contacted: the consultation was cancelled or missed and will be re-arranged.
    Stage.CONSULTATION_BOOKED: frozenset({Stage.CONSULTED, Stage.CONTACTED, Stage.LOST}),
    # Back to consultation booked: a second consultation before a plan.
    Stage.CONSULTED: frozenset({Stage.PLAN_PROPOSED, Stage.CONSULTATION_BOOKED, Stage.LOST}),
    # Back to consulted: the plan is being reworked.
    Stage.PLAN_PROPOSED: frozenset({Stage.TREATMENT_BOOKED, Stage.CONSULTED, Stage.LOST}),
    Stage.TREATMENT_BOOKED: frozenset({Stage.IN_TREATMENT, Stage.PLAN_PROPOSED, Stage.LOST}),
    Stage.IN_TREATMENT: frozenset({Stage.COMPLETED, Stage.LOST}),
    Stage.COMPLETED: frozenset(),
    Stage.LOST: frozenset(),
}


def can_move(from_stage: Stage, to_stage: Stage) -> bool:
    """Whether the table allows this move."""
    return to_stage in TRANSITIONS[from_stage]


def next_stages(stage: Stage) -> list[Stage]:
    """The moves open from a stage, in pipeline order with LOST last."""
    return sorted(TRANSITIONS[stage], key=lambda s: list(Stage).index(s))


# Moves made by other steps, not by a stage button: a booking books, attending consults,
# cancelling or missing the consultation goes back to contacted, a reached call contacts;
# proposing a plan, booking its sessions, and the sessions done move the later stages, and a
# plan declined or sessions cancelled step back.
DRIVEN_MOVES = frozenset({
    (Stage.CONSULTED, Stage.PLAN_PROPOSED),
    (Stage.PLAN_PROPOSED, Stage.CONSULTED),
    (Stage.PLAN_PROPOSED, Stage.TREATMENT_BOOKED),
    (Stage.TREATMENT_BOOKED, Stage.PLAN_PROPOSED),
    (Stage.TREATMENT_BOOKED, Stage.IN_TREATMENT),
    (Stage.IN_TREATMENT, Stage.COMPLETED),
    (Stage.NEW, Stage.CONTACTED),
    (Stage.NEW, Stage.CONSULTATION_BOOKED),
    (Stage.CONTACTED, Stage.CONSULTATION_BOOKED),
    (Stage.CONSULTED, Stage.CONSULTATION_BOOKED),
    (Stage.CONSULTATION_BOOKED, Stage.CONSULTED),
    (Stage.CONSULTATION_BOOKED, Stage.CONTACTED),
})


def is_manual(from_stage: Stage, to_stage: Stage) -> bool:
    """Whether a stage button may make this move (the table allows it and no other step owns it)."""
    return can_move(from_stage, to_stage) and (from_stage, to_stage) not in DRIVEN_MOVES


def manual_next_stages(enquiry, *, was_consulted: bool = False) -> list[Stage]:
    """The stage buttons an enquiry's page offers; a lost enquiry offers reopening (see reopens_to)."""
    if enquiry.stage is Stage.LOST:
        return [reopens_to(enquiry, was_consulted=was_consulted)] if enquiry.lost_from_stage else []
    return [s for s in next_stages(enquiry.stage) if is_manual(enquiry.stage, s)]


# Losing an enquiry cancels its booked appointments, so one lost while they were all it had to show
# for its stage reopens a step back: its consultation, or its treatment sessions, to be booked again.
REOPENS_BACK = {Stage.CONSULTATION_BOOKED: Stage.CONTACTED, Stage.TREATMENT_BOOKED: Stage.PLAN_PROPOSED}


def reopens_to(enquiry, *, was_consulted: bool = False) -> Stage | None:
    """Where a lost enquiry goes back to: the stage it was lost from, or a step back (REOPENS_BACK); one lost
    with a second consultation booked goes back to consulted, since the patient was seen before."""
    if enquiry.lost_from_stage is Stage.CONSULTATION_BOOKED and was_consulted:
        return Stage.CONSULTED
    return REOPENS_BACK.get(enquiry.lost_from_stage, enquiry.lost_from_stage)
