"""libphonenumber-js (the engine) and phonenumbers (the Glue job) must validate phones with the same
libphonenumber metadata release, or the engines disagree on which numbers are valid.

Neither package exposes the release in code: phonenumbers' own version is the libphonenumber
release it was built from, and libphonenumber-js names the release in its CHANGELOG ("Updated
metadata to version X" under each version). The versions are compared, and so is the metadata
itself: libphonenumber-js ships every region's example mobile number (examples.mobile.json), which
phonenumbers must give for the region too, and must hold valid."""

from __future__ import annotations

import json
import re

import phonenumbers

from conftest import REPO

LIBPHONENUMBER_JS = REPO / "node_modules" / "libphonenumber-js"


def libphonenumber_js_metadata_release() -> str:
    package = json.loads((LIBPHONENUMBER_JS / "package.json").read_text(encoding="utf-8"))
    changelog = (LIBPHONENUMBER_JS / "CHANGELOG.md").read_text(encoding="utf-8")
    # The installed version's entry, or an older one: the newest metadata update at or below it.
    start = changelog.index(f"\n{package['version']} / ")
    found = re.search(r"Updated metadata to version (\d+\.\d+\.\d+)", changelog[start:])
    assert found, f"no metadata version in libphonenumber-js {package['version']}'s CHANGELOG"
    return found.group(1)


def test_same_libphonenumber_release():
    assert libphonenumber_js_metadata_release() == phonenumbers.__version__, (
        "libphonenumber-js and phonenumbers carry different libphonenumber metadata: pin phonenumbers "
        "(amplify/custom/glue-transform/job/requirements.txt, tests/glue/requirements.txt) to the release "
        "libphonenumber-js names in its CHANGELOG, or update libphonenumber-js"
    )


def test_same_example_mobile_numbers_in_every_region():
    examples = json.loads((LIBPHONENUMBER_JS / "examples.mobile.json").read_text(encoding="utf-8"))
    assert len(examples) > 200
    differing = []
    for region, national in sorted(examples.items()):
        # A region whose mobile and fixed-line numbers share one pattern (TA) has its example there.
        number = phonenumbers.example_number_for_type(
            region, phonenumbers.PhoneNumberType.MOBILE
        ) or phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        ours = None if number is None else phonenumbers.national_significant_number(number)
        if ours != national or not phonenumbers.is_valid_number(number):
            differing.append(f"{region}: libphonenumber-js {national}, phonenumbers {ours}")
    assert differing == [], "; ".join(differing[:10])
