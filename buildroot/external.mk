include $(sort $(wildcard $(BR2_EXTERNAL_WISPD_PATH)/package/*/*.mk))
