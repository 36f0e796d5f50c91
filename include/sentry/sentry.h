/*
 * sentry/sentry.h: the whole plugin SDK. A plugin may include this or only the headers it needs.
 */
#pragma once

#include "sentry/fs.h"
#include "sentry/gofer.h"
#include "sentry/net.h"
#include "sentry/platform.h"
#include "sentry/plugin.h"
#include "sentry/services.h"
#include "sentry/types.h"
