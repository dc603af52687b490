################################################################################
#
# wispd
#
################################################################################

WISPD_VERSION = 0.1.0
WISPD_SITE = $(BR2_EXTERNAL_WISPD_PATH)/..
WISPD_SITE_METHOD = local
WISPD_LICENSE = BSD-3-Clause
WISPD_SETUP_TYPE = setuptools
# The site is the whole checkout: leave the developer's venv and test
# results out of the build directory.
WISPD_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = \
	--exclude .venv --exclude .pytest_cache --exclude tests \
	--exclude build --exclude dist --exclude '*.egg-info'

# BusyBox init: S40wispd and friends come from overlays/rootfs
# (BR2_ROOTFS_OVERLAY in the WISPD defconfigs). systemd: the unit.
define WISPD_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/overlays/systemd/usr/lib/systemd/system/wispd@.service \
		$(TARGET_DIR)/usr/lib/systemd/system/wispd@.service
endef

$(eval $(python-package))
