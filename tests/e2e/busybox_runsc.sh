#!/bin/sh
# The busybox bundle through cvisor's `runsc run`: the same cases as natively. Joins TESTS once
# the Sentry runs programs from a bundle (issue 5).
exec sh "${abs_top_srcdir:?run through make check}/tests/e2e/busybox.sh" runsc
