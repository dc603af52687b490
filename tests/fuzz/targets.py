"""Every fuzz target, in the order the runner takes them."""

from fuzz_compact import CompactTarget
from fuzz_config import ConfigTarget
from fuzz_control_text import ControlTextTarget
from fuzz_eap import EapTarget
from fuzz_eapol import EapolTarget
from fuzz_ies import IesTarget
from fuzz_provision import ProvisionTarget
from fuzz_rrm import RrmTarget
from fuzz_wext import WextTarget
from fuzz_wnm import WnmTarget

TARGETS = [ControlTextTarget(), CompactTarget(), IesTarget(), EapolTarget(), WextTarget(),
           ConfigTarget(), ProvisionTarget(), EapTarget(), WnmTarget(), RrmTarget()]
BY_NAME = {t.name: t for t in TARGETS}
