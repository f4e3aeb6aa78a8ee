"""The state of a batch of runs: numpy arrays with a leading runs axis.

One run is a batch of one; an ensemble is one batch. Tallies that mechanisms read
often (CC clients per patron, secretaries per patron) are kept as running counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import Compiled

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]

NO_BLOC = -1
VACANT = -2


@dataclass
class State:
    """Mutable per-run state; every array's first axis is the run."""

    month: int
    alive: B  # (R, A)
    active: B  # (R, A): alive and able to work
    prestige: F  # (R, A)
    position: F  # (R, A, X): X policy axes
    enmity: F  # (R, A, A)
    betrayal: F  # (R, A, A): i's memory of being turned on by j
    pact_until: I  # (R, A, A): month a pact ends
    pact_against: I  # (R, A, A): the common enemy of the pact between two actors, -1 none
    holder: I  # (R, O): actor index, -1 vacant
    executive: B  # (R, A)
    bench: B  # (R, A): candidate members of the executive not yet promoted
    in_cc: B  # (R, A): holds a full CC seat of his own
    executive_seats: int
    cc_seats: int
    cc_clients: F  # (R, A + 1): CC seats beholden to each patron; last = unaligned
    secretaries: I  # (R, S): patron per post; -1 unaligned, -2 vacant
    sanction: I  # (R, A): 0..7, see compiled.SANCTIONS
    last_step: I  # (R, A): month of the last sanction step against the actor
    bloc: I  # (R, A): bloc leader's index, -1 none
    ruling: B  # (R, A): member of the ruling coalition
    follows: I  # (R, A): contender a second-rank actor follows, -1 none
    tactic: I  # (R, A): 0 none, 1 open, 2 appeal, 3 underground, 4 demonstrate
    quiet_until: I  # (R, A): a recanted actor is left alone until this month
    readmit: B  # (R, A): recanted, awaiting the CC's readmission (rules.readmission)
    illegal: B  # (R, A): charged with illegal faction work since he last recanted
    oversight: F  # (R,)
    salience: F  # (R, X)
    mood: F  # (R, X): where the party's support has drifted on each axis
    line: F  # (R, X): the governing line
    opinion: F  # (R, X): where the party's support lies (power-weighted line plus mood)
    power: F  # (R, A)
    dominant: I  # (R,): consolidated leader, -1 none
    rebuffed: B  # (R,): the rulers lost a vote since the blocs last formed
    dominant_since: I  # (R,)
    secretary_tally: F  # (R, A): share of posts beholden to each actor, kept between changes
    secretaries_changed: B  # (R,): the tally must be recounted before it is read
    traits: F  # (R, A, 7): the scenario's traits, or a sweep's values for each run
    misjudge: F  # (R, A, A): log-error of i's estimate of j's power (engine.beliefs)
    varied: dict[str, F] = field(default_factory=dict)  # parameters with a value per run
    # a sweep's per-run values of what is otherwise the scenario's, for every run alike
    resources: dict[str, F] = field(default_factory=dict)  # resource -> (R, O) per office
    cohorts: F | None = None  # (R, K): each cohort's size, in thousands
    shocks: dict[str, F] = field(default_factory=dict)  # "EVENT.FIELD" -> (R,)

    def mark_secretaries(
        self, rows: NDArray[np.intp] | NDArray[np.bool_] | slice = slice(None)
    ) -> None:
        """Writers of ``secretaries`` call this, so readers recount only what changed."""
        self.secretaries_changed[rows] = True

    @property
    def runs(self) -> int:
        return int(self.alive.shape[0])

    def per_run(self) -> tuple[str, ...]:
        """The names of the arrays with a runs axis that mechanisms change (not the batch's
        scalars, nor a sweep's values, which are read only)."""
        return tuple(
            f.name
            for f in fields(self)
            if f.name != "cohorts" and isinstance(getattr(self, f.name), np.ndarray)
        )

    def take(self, rows: NDArray[np.intp]) -> State:
        """Some runs' state, so a mechanism can work on just the runs it concerns.

        The arrays are copied on first use, not here: a mechanism reads a few of the
        state's arrays, and copying the (R, A, A) ones it never reads cost more than
        its work. The copy is the same one, made later; ``put`` writes back only what
        was used (an array never read cannot have changed)."""
        return _Taken.of(self, rows)

    def put(self, rows: NDArray[np.intp], sub: State, names: tuple[str, ...]) -> None:
        """Write the named arrays of ``sub`` (taken with ``rows``) back into these runs."""
        used = vars(sub)
        for name in names:
            if name in used:
                getattr(self, name)[rows] = used[name]


class _Taken(State):
    """A State over some rows of another, its per-run arrays copied when first read.

    Nothing changes the source while the taken state is in use (``on_rows`` hands the
    work only the taken state), so a copy made on first read equals one made at once.
    """

    _source: State
    _rows: NDArray[np.intp]
    _names: tuple[str, ...]

    @classmethod
    def of(cls, source: State, rows: NDArray[np.intp]) -> _Taken:
        sub = object.__new__(cls)
        d = vars(sub)
        d["_source"], d["_rows"], d["_names"] = source, rows, source.per_run()
        d["month"] = source.month
        d["executive_seats"] = source.executive_seats
        d["cc_seats"] = source.cc_seats
        d["varied"] = {k: v[rows] for k, v in source.varied.items()}
        d["resources"] = {k: v[rows] for k, v in source.resources.items()}
        d["cohorts"] = None if source.cohorts is None else source.cohorts[rows]
        d["shocks"] = {k: v[rows] for k, v in source.shocks.items()}
        return sub

    def __getattr__(self, name: str) -> NDArray[np.generic]:
        # called only for an attribute not yet in the instance: a per-run array not read yet
        d = vars(self)
        if name.startswith("_") or name not in d["_names"]:
            raise AttributeError(name)
        value: NDArray[np.generic] = getattr(d["_source"], name)[d["_rows"]]
        d[name] = value
        return value

    def per_run(self) -> tuple[str, ...]:
        return self._names


TACTICS = ("none", "open", "appeal", "underground", "demonstrate")


def initial_state(c: Compiled, runs: int) -> State:
    """Every run starts from the same recorded world: offices, positions, enmities."""
    n = len(c.actors)

    def tile(a: NDArray[np.generic]) -> NDArray[np.generic]:
        return np.repeat(a[None, ...], runs, axis=0).copy()

    st = State(
        month=0,
        alive=np.ones((runs, n), dtype=bool),
        active=np.ones((runs, n), dtype=bool),
        prestige=np.zeros((runs, n)),  # set by derive_start
        position=tile(c.position).astype(np.float64),
        enmity=tile(c.enmity).astype(np.float64),
        betrayal=np.zeros((runs, n, n)),
        pact_until=np.full((runs, n, n), -1, dtype=np.int64),
        pact_against=np.full((runs, n, n), -1, dtype=np.int64),
        holder=tile(c.holder0).astype(np.int64),
        executive=tile(c.executive0).astype(bool),
        bench=tile(c.bench0).astype(bool),
        in_cc=tile(c.cc0).astype(bool),
        executive_seats=c.executive_seats0,
        cc_seats=c.cc_seats0,
        cc_clients=tile(c.cc_clients0).astype(np.float64),
        secretaries=tile(c.secretaries0).astype(np.int64),
        sanction=tile(c.sanction0).astype(np.int64),
        last_step=np.full((runs, n), -99, dtype=np.int64),
        bloc=np.full((runs, n), NO_BLOC, dtype=np.int64),
        ruling=np.zeros((runs, n), dtype=bool),
        follows=np.full((runs, n), -1, dtype=np.int64),
        tactic=np.zeros((runs, n), dtype=np.int64),
        quiet_until=np.full((runs, n), -1, dtype=np.int64),
        readmit=np.zeros((runs, n), dtype=bool),
        illegal=np.zeros((runs, n), dtype=bool),
        oversight=np.zeros(runs),  # set by derive_start
        salience=np.full((runs, len(c.axes)), 1.0),
        mood=np.zeros((runs, len(c.axes))),
        line=np.zeros((runs, len(c.axes))),
        opinion=np.zeros((runs, len(c.axes))),
        power=np.zeros((runs, n)),
        dominant=np.full(runs, -1, dtype=np.int64),
        rebuffed=np.zeros(runs, dtype=bool),
        dominant_since=np.full(runs, -1, dtype=np.int64),
        secretary_tally=np.zeros((runs, n)),
        secretaries_changed=np.ones(runs, dtype=bool),
        traits=tile(c.traits).astype(np.float64),
        misjudge=np.zeros((runs, n, n)),
    )
    # a starting sanction carries its effects: the detained cannot act, the dead are gone
    rep = c.sanctions
    st.alive &= ~rep.dead[st.sanction]
    st.active &= st.alive & ~rep.detained[st.sanction]
    st.executive &= ~rep.out_executive[st.sanction]
    derive_start(c, st)
    return st


def derive_start(c: Compiled, st: State) -> None:
    """Starting values that follow from traits and parameters: prestige starts at its
    standing, the Secretariat's oversight at its parameter. Called again after a sweep
    gives runs their own traits or parameters, so they start from those."""
    st.prestige = st.traits[:, :, 0].copy()
    oversight = param(c, st, "oversight")
    st.oversight = np.broadcast_to(oversight, (st.runs,)).astype(np.float64)


def param(
    c: Compiled, st: State, name: str, ndim: int = 1, rows: NDArray[np.intp] | None = None
) -> float | F:
    """A parameter's value: the scenario's number, or, when a sweep varies it, one value
    per run shaped (R, 1, ...) to broadcast against arrays of ``ndim`` dimensions (for
    the runs in ``rows`` only, when given)."""
    v = st.varied.get(name)
    if v is None:
        return c.params[name]
    if rows is not None:
        v = v[rows]
    return v.reshape((-1,) + (1,) * (ndim - 1))


def resource(c: Compiled, st: State, name: str) -> F:
    """An office resource (``patronage``, ``delegates``, ``force``, ``press``,
    ``surveillance``) as (R, O) where a sweep varies it per run, else (1, O)."""
    v = st.resources.get(name)
    return getattr(c, name)[None, :] if v is None else v


def party_mix(c: Compiled, st: State, month: int) -> tuple[float | F, float | F]:
    """The members' loyalty to the apparatus and the pull of oratory on them in
    ``month``, averaged over the cohorts present: floats, or (R, 1) where a sweep gives
    the cohorts sizes per run (a party left with no members is loyal to no one)."""
    if st.cohorts is None:
        loyalty, pull = c.party_mix[month]
        return float(loyalty), float(pull)
    present = (c.cohort_joins < 0) | (c.cohort_joins <= month)
    w = st.cohorts * present[None, :]
    total = np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    loyalty = (w * c.cohort_loyalty).sum(axis=1, keepdims=True) / total
    pull = (w * c.cohort_pull).sum(axis=1, keepdims=True) / total
    return loyalty, pull
