#!/bin/sh
# The busybox bundle natively (chroot): the bundle works and the cases of busybox.sh hold.
exec sh "${abs_top_srcdir:?run through make check}/tests/e2e/busybox.sh" chroot
