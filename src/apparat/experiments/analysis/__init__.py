"""Analysis of the model's answers: sensitivity, scenario discovery, and the split of an
outcome's variance into structure, agency and chance.

SALib and EMA Workbench are optional (``pip install 'apparat[analysis]'``); they are
imported only when an analysis runs. See docs/analysis.md for the designs and why
they are sound.
"""

from apparat.experiments.analysis.decomposition import Decomposition
from apparat.experiments.analysis.deps import MissingDependencyError
from apparat.experiments.analysis.discovery import Discovery
from apparat.experiments.analysis.outcomes import Outcome, default_outcomes, outcomes
from apparat.experiments.analysis.sensitivity import Sensitivity

__all__ = [
    "Decomposition",
    "Discovery",
    "MissingDependencyError",
    "Outcome",
    "Sensitivity",
    "default_outcomes",
    "outcomes",
]
