"""Areas, devices, what each device type can do, live state and name lookup."""

from thingmind.registry._driver import ChangeListener, DeviceDriver, LocalDriver
from thingmind.registry._home import Area, Device, Floor, Home
from thingmind.registry._loader import load_home, parse_home
from thingmind.registry._names import NameMatch, normalize_name
from thingmind.registry._registry import Registry
from thingmind.registry._spec import (
    BadValueError,
    DomainSpec,
    KeyKind,
    KeySpec,
    OutOfRangeError,
    ReadOnlyError,
    ServiceCallError,
    ServiceFailure,
    ServiceSpec,
    UnknownServiceError,
    UnsupportedFeatureError,
)
from thingmind.registry.domains import ALL_DOMAINS, domain_spec

__all__ = [
    "ALL_DOMAINS",
    "Area",
    "BadValueError",
    "ChangeListener",
    "Device",
    "DeviceDriver",
    "DomainSpec",
    "Floor",
    "Home",
    "KeyKind",
    "KeySpec",
    "LocalDriver",
    "NameMatch",
    "OutOfRangeError",
    "ReadOnlyError",
    "Registry",
    "ServiceCallError",
    "ServiceFailure",
    "ServiceSpec",
    "UnknownServiceError",
    "UnsupportedFeatureError",
    "domain_spec",
    "load_home",
    "normalize_name",
    "parse_home",
]
