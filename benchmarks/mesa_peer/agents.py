"""The agents: leaders (``Actor``) and regional secretaries (``Secretary``).

Each agent holds its own state as plain Python attributes, the way a Mesa user keeps
an agent's variables; what an agent does on its own (recover prestige, campaign, drift
in policy, take a vacant post) is a method called through ``AgentSet.do``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from benchmarks.mesa_peer.model import PeerModel

VACANT = -2  # a secretary post with nobody in it
UNALIGNED = -1  # a post held by a functionary beholden to no one
OPEN, APPEAL, UNDERGROUND, DEMONSTRATE = 1, 2, 3, 4
TRAIT = {
    name: i
    for i, name in enumerate(
        ("prestige", "organisation", "intrigue", "oratory", "ambition", "resolve", "flexibility")
    )
}


class Actor(mesa.Agent):
    """A leader: traits from the scenario, and the state the struggle changes."""

    model: PeerModel

    def __init__(self, model: PeerModel, index: int) -> None:
        super().__init__(model)
        c = model.c
        n = len(c.actors)
        self.index = index
        self.key = c.actors[index]
        self.traits: list[float] = c.traits[index].tolist()
        self.contender = bool(c.contender[index])
        self.alive = True
        self.active = True
        self.prestige = self.traits[0]
        self.position: list[float] = c.position[index].tolist()
        self.enmity: list[float] = c.enmity[index].tolist()  # my enmity toward each actor
        self.betrayal = [0.0] * n  # my memory of being turned on by each actor
        self.pact_until = [-1] * n
        self.pact_against = [-1] * n  # the common enemy of my pact with each actor, -1 none
        self.executive = bool(c.executive0[index])
        self.bench = bool(c.bench0[index])  # a candidate member not yet promoted
        self.in_cc = bool(c.cc0[index])  # holds a full CC seat of his own
        self.cc_clients = float(c.cc_clients0[index])  # CC seats beholden to me
        self.sanction = 0
        self.last_step = -99
        self.bloc = -1
        self.ruling = False
        self.follows = -1
        self.tactic = 0
        self.quiet_until = -1
        self.readmit = False  # recanted, awaiting the CC (rules.readmission: sessions)
        self.illegal = False  # charged with illegal faction work since he last recanted
        self.power = 0.0
        self.misjudge = [0.0] * n  # log-error of my estimate of each actor's power

    @property
    def flexibility(self) -> float:
        return self.traits[TRAIT["flexibility"]]

    def learn(self, rate: float) -> None:
        """A month of open politics: every misjudgement of mine shrinks toward the truth."""
        keep = 1.0 - rate
        self.misjudge = [e * keep for e in self.misjudge]

    def recover_prestige(self, recovery: float) -> None:
        """Prestige drifts back toward a standing that every rung of sanction lowers."""
        standing = self.traits[0] * (1.0 - 0.1 * self.sanction)
        self.prestige += recovery * (standing - self.prestige)
        self.prestige = min(max(self.prestige, 0.0), 1.0) * self.alive

    def campaign(self, free: float) -> None:
        """An excluded bloc member campaigns; the ban makes it cost, underground work
        pays more among members the apparatus does not hold, and may be exposed."""
        m = self.model
        p = m.c.params
        in_opposition = self.bloc >= 0 and not self.ruling and self.contender and self.alive
        recanted = self.quiet_until >= m.month
        if in_opposition and not recanted and self.tactic == 0:
            self.tactic = OPEN
        if recanted or not self.alive:
            self.tactic = 0
        rate = {
            OPEN: p["open_gain"],
            APPEAL: p["appeal_gain"],
            UNDERGROUND: p["underground_gain"],
            DEMONSTRATE: p["demonstrate_gain"],
        }
        gain = rate.get(self.tactic, 0.0) * self.traits[TRAIT["oratory"]] * free
        penalty = p["factionalism_penalty"] * p["faction_ban"] * (self.tactic > 0)
        self.prestige = min(max(self.prestige + gain - penalty, 0.0), 1.0)
        if self.tactic >= UNDERGROUND:
            exposed = m.uniform("opposition.exposed", self.index) < 0.2 * p["underground_risk"]
            if exposed:
                self.last_step = m.month - 99  # the next meeting need not wait

    def drift(self, target: list[float], speed: float, salience: list[float]) -> None:
        """A flexible leader moves toward where support lies, most on salient axes."""
        if not self.active:
            return
        for ax in range(3):
            step = speed * self.flexibility * (salience[ax] / 3.0)
            self.position[ax] += step * (target[ax] - self.position[ax])


class Secretary(mesa.Agent):
    """A regional secretary post: beholden to a patron, unaligned, or vacant."""

    model: PeerModel

    def __init__(self, model: PeerModel, post: int, patron: int) -> None:
        super().__init__(model)
        self.post = post
        self.patron = patron

    @property
    def vacant(self) -> bool:
        return self.patron == VACANT

    def fall_vacant(self) -> None:
        self.patron = VACANT

    def appoint(self, appointer: int, p_loyal: float, able: bool) -> None:
        """Fill this vacant post: the appointer's man with probability ``p_loyal``."""
        loyal = self.model.uniform("flow.appoint", self.post) < p_loyal and able
        self.patron = appointer if loyal else UNALIGNED
