# CVISOR_REQUIRE_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
# ------------------------------------------------------------
# Like PKG_CHECK_MODULES, but a missing module stops configure with one line that names the
# Debian package to install, which is what a newcomer on a fresh machine needs to read.
AC_DEFUN([CVISOR_REQUIRE_PKG], [
	PKG_CHECK_MODULES([$1], [$2], [],
		[AC_MSG_ERROR([$2 not found ($$1_PKG_ERRORS): install the Debian package $3 (apt-get install $3)])])
])
