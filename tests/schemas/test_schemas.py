"""The JSON Schemas of schemas/ and the SchemaRegistry that loads them.

Every example of the documentation page (reference/sentry-project-api.md) and of the behavior
reference (reference/sentry-behavior.md) is quoted here as a literal and must validate.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import shutil
import socket
import threading
import urllib.request
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import mockserver
from mockserver import resources
from mockserver.errors import MockServerError
from mockserver.errors import ResponseSchemaError
from mockserver.errors import SchemaLoadError
from mockserver.resources import schemas_dir
from mockserver.schemas import fastpath
from mockserver.schemas import formats
from mockserver.schemas import loading
from mockserver.schemas import registry as schemas
from mockserver.schemas.loading import META_CHECKED
from mockserver.schemas.loading import meta_checked_list
from mockserver.schemas.registry import SchemaRegistry

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The files this suite owns the contract of (the scenario schemas are tested with scenarios).
API_SCHEMAS = [
    "avatar",
    "dynamic-sampling-bias",
    "error-detail",
    "error-feature",
    "error-fields",
    "error-internal",
    "error-list",
    "error-rate-limit",
    "error-redirect",
    "error-trailing-slash",
    "event-user",
    "event-users",
    "hook",
    "hook-create",
    "hook-stats",
    "hook-update",
    "hooks",
    "project",
    "project-slug",
    "project-update",
    "stats",
    "tag-value",
    "tag-values",
    "team-summary",
]

# --- reference/sentry-project-api.md, verbatim -------------------------------------------------

DOC_PROJECT = {
    "id": "2",
    "slug": "my-project",
    "name": "My Project",
    "platform": "python",
    "dateCreated": "2018-11-06T21:19:58.536Z",
    "isBookmarked": False,
    "status": "active",
}
DOC_STATS = [
    [1541455200.0, 1184],
    [1541458800.0, 1410],
    [1541462400.0, 1440],
    [1541466000.0, 1682],
    [1541469600.0, 1203],
]
DOC_TAG_VALUES = [
    {
        "value": "production",
        "name": "production",
        "count": 12345,
        "lastSeen": "2024-01-15T08:30:00Z",
        "firstSeen": "2022-01-01T00:00:00Z",
    },
    {
        "value": "staging",
        "name": "staging",
        "count": 3210,
        "lastSeen": "2024-01-14T22:00:00Z",
        "firstSeen": "2022-01-01T00:00:00Z",
    },
]
DOC_HOOK = {
    "id": "4f9d73e63b7144ecb8944c41620a090b",
    "url": "https://empowerplant.io/sentry-hook",
    "events": ["event.alert", "event.created"],
    "status": "active",
    "secret": "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2",
    "dateCreated": "2018-11-06T21:20:08.143Z",
}
DOC_HOOK_CREATE = {
    "url": "https://empowerplant.io/sentry-hook",
    "events": ["event.alert", "event.created"],
}

# --- reference/sentry-behavior.md ---------------------------------------------------------------

# §1.1, the organization example, verbatim.
ORGANIZATION = {
    "id": "1",
    "slug": "sentry",
    "status": {"id": "active", "name": "active"},
    "name": "Sentry",
    "dateCreated": "2014-12-15T04:06:24.263571Z",
    "isEarlyAdopter": True,
    "allowMemberInvite": True,
    "allowMemberProjectCreation": True,
    "allowSuperuserAccess": False,
    "require2FA": False,
    "avatar": {"avatarType": "upload", "avatarUuid": "24f6f762f7a7473888b259c566da5adb"},
    "features": ["discover-basic", "incidents", "uptime"],
    "links": {"organizationUrl": "https://sentry.sentry.io", "regionUrl": "https://us.sentry.io"},
    "hasAuthProvider": True,
}
# §1.1: exactly the keys marked R, with the table's example values (defaults where it gives one).
FULL_PROJECT = {
    "id": "4505278496",
    "slug": "pump-station",
    "name": "Pump Station",
    "platform": "python",
    "dateCreated": "2021-01-14T22:08:52.711809Z",
    "isBookmarked": False,
    "isMember": True,
    "features": [
        "alert-filters",
        "custom-inbound-filters",
        "discard-groups",
        "minidump",
        "rate-limits",
        "servicehooks",
        "similarity-indexing",
        "similarity-indexing-v2",
        "similarity-view",
        "similarity-view-v2",
    ],
    "firstEvent": "2021-01-14T22:08:52.711809Z",
    "firstTransactionEvent": True,
    "access": [
        "member:read",
        "event:read",
        "project:admin",
        "team:write",
        "project:write",
        "team:admin",
        "project:read",
        "org:integrations",
        "org:read",
        "project:releases",
        "team:read",
        "alerts:write",
        "event:admin",
        "event:write",
        "alerts:read",
    ],
    "hasAccess": True,
    "hasFeedbacks": False,
    "hasFlags": False,
    "hasMinifiedStackTrace": False,
    "hasMonitors": False,
    "hasNewFeedbacks": False,
    "hasProfiles": False,
    "hasReplays": False,
    "hasSessions": False,
    "hasInsightsHttp": True,
    "hasInsightsDb": True,
    "hasInsightsAssets": False,
    "hasInsightsAppStart": False,
    "hasInsightsScreenLoad": False,
    "hasInsightsVitals": False,
    "hasInsightsCaches": False,
    "hasInsightsQueues": False,
    "hasInsightsAgentMonitoring": False,
    "hasInsightsMCP": False,
    "hasLogs": False,
    "hasTraceMetrics": False,
    "isInternal": False,
    "isPublic": False,
    "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
    "color": "#3f70bf",
    "status": "active",
    "teams": [{"id": "2", "name": "Powerful Abolitionist", "slug": "powerful-abolitionist"}],
    "latestRelease": {"version": "backend@3e90a5d9"},
    "options": {
        "sentry:csp_ignored_sources_defaults": True,
        "sentry:csp_ignored_sources": "",
        "filters:blacklisted_ips": "",
        "filters:react-hydration-errors": True,
        "filters:chunk-load-error": True,
        "filters:releases": "",
        "filters:error_messages": "",
        "feedback:branding": True,
        "sentry:feedback_user_report_notifications": True,
        "sentry:feedback_ai_spam_detection": False,
        "sentry:replay_rage_click_issues": True,
        "sentry:replay_hydration_error_issues": True,
        "sentry:toolbar_allowed_origins": "",
        "quotas:spike-protection-disabled": None,
    },
    "digestsMinDelay": 180,
    "digestsMaxDelay": 600,
    "subjectPrefix": "",
    "allowedDomains": ["*"],
    "resolveAge": 0,
    "dataScrubber": True,
    "dataScrubberDefaults": True,
    "safeFields": [],
    "storeCrashReports": None,
    "sensitiveFields": [],
    "subjectTemplate": "$shortID - $title",
    "securityToken": "e84c8c0fb1c121e988558785885f9cde",
    "securityTokenHeader": None,
    "verifySSL": False,
    "scrubIPAddresses": False,
    "scrapeJavaScript": True,
    "enableAutoReleaseCreation": True,
    "highlightTags": [],
    "highlightContext": {},
    "highlightPreset": {"tags": [], "context": {}},
    "groupingConfig": "newstyle:2012-12-31",
    "groupingEnhancements": "",
    "derivedGroupingEnhancements": "",
    "secondaryGroupingExpiry": 1687010243,
    "secondaryGroupingConfig": "newstyle:2012-11-21",
    "fingerprintingRules": "",
    "organization": ORGANIZATION,
    "platforms": ["native", "other", "python"],
    "processingIssues": 0,
    "defaultEnvironment": None,
    "relayPiiConfig": None,
    "builtinSymbolSources": ["ios", "android", "chromium"],
    "dynamicSamplingBiases": None,
    "symbolSources": "[]",
    "isDynamicallySampled": True,
    "autofixAutomationTuning": "off",
    "seerScannerAutomation": True,
    "seerNightshiftTweaks": None,
    "scmSourceContextEnabled": False,
    "debugFilesRole": None,
}
# §1.1: the keys only some versions or query parameters add, with the table's examples.
OPTIONAL_PROJECT_KEYS = {
    "team": {"id": "2", "name": "Powerful Abolitionist", "slug": "powerful-abolitionist"},
    "stats": {"unresolved": 3},
    "hasAlertIntegrationInstalled": False,
    "plugins": [],
    "hasInsightsLlmMonitoring": False,
    "eventProcessing": {"symbolicationDegraded": False},
    "groupingEnhancementsBase": None,
    "tempestFetchDumps": False,
    "uptimeAutodetection": True,
    # Only with the organization's Tempest access, as Sentry's serializer writes it.
    "tempestFetchScreenshots": False,
}
# The release object of Sentry's published example of GET project (sentry-api-schema's
# paths/projects/details.json): real servers have sent the whole release.
FULL_RELEASE = {
    "authors": [],
    "commitCount": 0,
    "data": {},
    "dateCreated": "2018-11-06T21:20:08.033Z",
    "dateReleased": None,
    "deployCount": 0,
    "firstEvent": None,
    "lastCommit": None,
    "lastDeploy": None,
    "lastEvent": None,
    "newGroups": 0,
    "owner": None,
    "projects": [{"name": "Pump Station", "slug": "pump-station"}],
    "ref": "6ba09a7c53235ee8a8fa5ee4c1ca8ca886e7fdbb",
    "shortVersion": "2.0rc2",
    "url": None,
    "version": "2.0rc2",
}
# §3, the upstream schema's example, verbatim.
USER_SCHEMA_EXAMPLE = {
    "id": "1",
    "tagValue": "email:sentry@example.com",
    "identifier": "1",
    "username": "sentry",
    "email": "sentry@example.com",
    "name": "Sentry",
    "ipAddress": "127.0.0.1",
    "avatarUrl": "https://secure.gravatar.com/avatar/7ddf6ed64b36a1a28182f2c9af87c910?s=32",
    "hash": "7ddf6ed64b36a1a28182f2c9af87c910",
    "dateCreated": None,
}
# §3, the shape current code answers (id and dateCreated null, name = email).
USER_AS_CODE_ANSWERS = {
    "id": None,
    "tagValue": "email:jane@example.com",
    "identifier": None,
    "username": None,
    "email": "jane@example.com",
    "name": "jane@example.com",
    "ipAddress": None,
    "avatarUrl": "https://gravatar.com/avatar/9e26471d35a78862c17e467d87cddedf?s=32&d=mm",
    "hash": "9e26471d35a78862c17e467d87cddedf",
    "dateCreated": None,
}
# §4, PROJECT_TAG_VALUES_EXAMPLE and the user example (its elided dates filled in).
TAG_VALUES_EXAMPLE = [
    {
        "key": "flavor",
        "name": "mint_choco",
        "value": "mint_choco",
        "count": 1,
        "lastSeen": "2024-01-01T00:00:00Z",
        "firstSeen": "2024-01-01T00:00:00Z",
    }
]
TAG_VALUE_USER = {
    "key": "user",
    "name": "foo@x.com",
    "value": "email:foo@x.com",
    "count": 3,
    "lastSeen": "2024-01-01T00:00:00Z",
    "firstSeen": "2024-01-01T00:00:00Z",
    "query": 'user.email:"foo@x.com"',
}
# §4: boolean keys have fixed values with null counts and dates.
TAG_VALUE_BOOLEAN = {
    "key": "handled",
    "name": "true",
    "value": "true",
    "count": None,
    "lastSeen": None,
    "firstSeen": None,
}
# §5.1, verbatim.
HOOK = {
    "id": "4f9d73e63b7144ecb8944c41620a090b",
    "url": "https://empowerplant.io/sentry-hook",
    "secret": "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2",
    "status": "active",
    "events": ["event.alert", "event.created"],
    "dateCreated": "2018-11-06T21:20:08.143Z",
}

VALID: list[tuple[str, Any]] = [
    ("project", FULL_PROJECT),
    ("project", {**FULL_PROJECT, "latestRelease": FULL_RELEASE}),
    ("project", {**FULL_PROJECT, "organization": {"id": "1", "slug": "sentry"}}),
    (
        "project",
        {
            **FULL_PROJECT,
            "dynamicSamplingBiases": [{"id": "minimumSampleRate", "active": False}],
            "storeCrashReports": -5,
            "highlightContext": {"trace": ["trace_id"]},
        },
    ),
    ("project", {**FULL_PROJECT, **DOC_PROJECT}),
    ("project", {**FULL_PROJECT, **OPTIONAL_PROJECT_KEYS}),
    (
        "project",
        {
            **FULL_PROJECT,
            "dynamicSamplingBiases": [
                {"id": "boostEnvironments", "active": True},
                {"id": "ignoreHealthChecks", "active": False},
            ],
            "latestRelease": None,
            "teams": [],
            "platform": None,
            "firstEvent": None,
            "storeCrashReports": 5,
            "resolveAge": 168,
            "defaultEnvironment": "prod",
            "debugFilesRole": "admin",
            "status": "deleted",
        },
    ),
    ("avatar", {"avatarType": "letter_avatar", "avatarUuid": None}),
    ("avatar", {"avatarType": "upload", "avatarUuid": "24f6f762f7a7473888b259c566da5adb"}),
    ("avatar", {"avatarType": "gravatar", "avatarUuid": None, "avatarUrl": None}),
    ("team-summary", OPTIONAL_PROJECT_KEYS["team"]),
    ("dynamic-sampling-bias", {"id": "recalibrationRule", "active": False}),
    ("project-slug", "pump-station"),
    ("project-slug", "my_project-2"),
    ("project-update", {}),
    ("project-update", {"isBookmarked": True}),
    ("project-update", {"name": "Plane Proxy", "slug": "plane-proxy", "platform": "javascript"}),
    ("project-update", {"platform": None, "resolveAge": None, "storeCrashReports": -1}),
    ("project-update", {"digestsMinDelay": 60, "digestsMaxDelay": 3600, "allowedDomains": ["*"]}),
    ("project-update", {"securityToken": "abc+/=", "securityTokenHeader": "X-Sentry-Token"}),
    ("project-update", {"highlightTags": ["release"], "highlightContext": {"os": ["name"]}}),
    ("project-update", {"dynamicSamplingBiases": [{"id": "boostReplayId", "active": True}]}),
    ("project-update", {"targetSampleRate": 0.5, "unknownKey": "Sentry ignores it"}),
    ("stats", [[int(ts), count] for ts, count in DOC_STATS]),
    ("stats", [[1699992000, 0], [1699995600, 0], [1699999200, 0]]),  # §2, computed example
    ("stats", []),
    ("hook-stats", [{"ts": 1699992000, "total": 0}, {"ts": 1699995600, "total": 2}]),
    ("event-user", USER_SCHEMA_EXAMPLE),
    ("event-user", USER_AS_CODE_ANSWERS),
    ("event-users", [USER_SCHEMA_EXAMPLE, USER_AS_CODE_ANSWERS]),
    ("event-users", []),
    ("tag-values", [{**value, "key": "environment"} for value in DOC_TAG_VALUES]),
    ("tag-values", TAG_VALUES_EXAMPLE),
    ("tag-values", [TAG_VALUE_USER, TAG_VALUE_BOOLEAN]),
    ("tag-value", TAG_VALUE_USER),
    ("hook", HOOK),
    ("hook", DOC_HOOK),
    ("hook", {**HOOK, "status": "disabled", "events": [], "dateCreated": "2024-01-01T00:00:00Z"}),
    ("hooks", [DOC_HOOK]),
    ("hooks", []),
    ("hook-create", DOC_HOOK_CREATE),
    ("hook-create", {"url": "http://localhost:8080/hook", "version": 0, "isActive": False}),
    ("hook-create", {**DOC_HOOK_CREATE, "events": ["event.created", "event.created"], "x": 1}),
    ("hook-update", {}),
    ("hook-update", {"isActive": False}),
    ("hook-update", {"url": "https://example.com/new", "events": ["event.alert"]}),
    ("error-detail", {"detail": "Authentication credentials were not provided."}),
    ("error-detail", {"detail": "You do not have permission to perform this action."}),
    ("error-detail", {"detail": "The requested resource does not exist"}),
    ("error-detail", {"detail": "Invalid resolution"}),
    ("error-detail", {"detail": 'Method "POST" not allowed.'}),
    ("error-list", ["Invalid stat: x"]),
    (
        "error-fields",
        {
            "slug": [
                "Enter a valid slug consisting of lowercase letters, numbers, underscores or "
                "hyphens. It cannot be entirely numeric."
            ]
        },
    ),
    ("error-fields", {"slug": ["Another project (Pump Station) is already using that slug"]}),
    ("error-fields", {"platform": ["Invalid platform"]}),
    ("error-fields", {"digestsMinDelay": ["Ensure this value is greater than or equal to 60."]}),
    ("error-fields", {"isBookmarked": ["Must be a valid boolean."]}),
    ("error-fields", {"url": ["This field is required."], "events": ["Invalid event name: x"]}),
    ("error-fields", {"events": ['Expected a list of items but got type "str".']}),
    ("error-fields", {"events": {"0": ["Ensure this field has no more than 255 characters."]}}),
    ("error-fields", {"version": ['"1" is not a valid choice.']}),
    ("error-fields", {"options": {"sentry:resolve_age": ["A valid integer is required."]}}),
    (
        "error-fields",
        {"dynamicSamplingBiases": [{}, {"id": ['"foo" is not a valid choice.']}]},
    ),
    (
        "error-feature",
        {"error_type": "unavailable_feature", "detail": ["You do not have that feature enabled"]},
    ),
    ("error-internal", {"detail": "Internal Error", "errorId": "0123456789abcdef0123456789abcdef"}),
    (
        "error-rate-limit",
        "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds",
    ),
    (
        "error-redirect",
        {
            "slug": "new-slug",
            "detail": {"extra": {"url": "/api/0/projects/acme/new-slug/", "slug": "new-slug"}},
        },
    ),
    (
        "error-trailing-slash",
        {
            "info": "Route not found, did you forget a trailing slash? try: "
            "/api/0/projects/my-org/my-project/"
        },
    ),
]

INVALID: list[tuple[str, Any, list[tuple[str, str]]]] = [
    (
        "hook",
        {**HOOK, "id": "4f9d73e63b7144ecb8944c41620a090"},
        [("$.id", "'4f9d73e63b7144ecb8944c41620a090' does not match '^[0-9a-f]{32}$'")],
    ),
    (
        "hook",
        {
            **HOOK,
            "secret": "8FCAC28AAA4C4F5FA572B61D40A8E084364DB25FD37449C299E5A41C0504CBC2",
            "status": "paused",
        },
        [
            (
                "$.secret",
                "'8FCAC28AAA4C4F5FA572B61D40A8E084364DB25FD37449C299E5A41C0504CBC2' "
                "does not match '^[0-9a-f]{64}$'",
            ),
            (
                "$.status",
                "'paused' is not one of "
                "['active', 'disabled', 'pending_deletion', 'deletion_in_progress']",
            ),
        ],
    ),
    (
        "hook",
        {**HOOK, "events": ["event.alert", "issue.created"], "dateCreated": "2018-02-30T00:00:00Z"},
        [
            ("$.dateCreated", "'2018-02-30T00:00:00Z' is not a 'date-time'"),
            ("$.events[1]", "'issue.created' is not one of ['event.alert', 'event.created']"),
        ],
    ),
    (
        "hook",
        {**HOOK, "events": ["event.alert", "event.alert"]},
        [("$.events", "['event.alert', 'event.alert'] has non-unique elements")],
    ),
    (
        "event-user",
        {k: v for k, v in USER_AS_CODE_ANSWERS.items() if k != "hash"},
        [("$", "'hash' is a required property")],
    ),
    (
        "event-users",
        [USER_AS_CODE_ANSWERS, {**USER_AS_CODE_ANSWERS, "hash": "abc", "avatarUrl": None}],
        [
            ("$[1].avatarUrl", "None is not of type 'string'"),
            ("$[1].hash", "'abc' does not match '^[0-9a-f]{32}$'"),
        ],
    ),
    (
        "event-user",
        {**USER_AS_CODE_ANSWERS, "tagValue": "jane@example.com", "extra": 1},
        [
            ("$", "Additional properties are not allowed ('extra' was unexpected)"),
            ("$.tagValue", "'jane@example.com' does not match '^(?:id|username|email|ip):'"),
        ],
    ),
    (
        "stats",
        [[1541455200.5, 1184], [1541458800, -1], [1541462400]],
        [
            ("$[0][0]", "1541455200.5 is not of type 'integer'"),
            ("$[1][1]", "-1 is less than the minimum of 0"),
            ("$[2]", "[1541462400] is too short"),
        ],
    ),
    (
        "hook-stats",
        [{"ts": True, "total": 1.0}],
        [
            ("$[0].total", "1.0 is not of type 'integer'"),
            ("$[0].ts", "True is not of type 'integer'"),
        ],
    ),
    (
        "tag-value",
        {**TAG_VALUES_EXAMPLE[0], "extra": "x"},
        [("$", "Additional properties are not allowed ('extra' was unexpected)")],
    ),
    (
        "tag-values",
        [{**TAG_VALUES_EXAMPLE[0], "count": "1", "lastSeen": "2024-01-01"}],
        [
            ("$[0].count", "'1' is not of type 'integer', 'null'"),
            ("$[0].lastSeen", "'2024-01-01' is not a 'date-time'"),
        ],
    ),
    (
        "project",
        {**FULL_PROJECT, "platform": 1, "digestsMinDelay": 180.0, "slug": "123"},
        [
            ("$.digestsMinDelay", "180.0 is not of type 'integer'"),
            ("$.platform", "1 is not of type 'string', 'null'"),
            ("$.slug", "'123' does not match '^(?![0-9]+$)[a-z0-9_-]+$'"),
        ],
    ),
    (
        "project",
        {
            **FULL_PROJECT,
            "organization": {k: v for k, v in ORGANIZATION.items() if k != "links"},
            "latestRelease": {},
            "dynamicSamplingBiases": [{"id": "boostEverything", "active": True}],
        },
        [
            (
                "$.dynamicSamplingBiases[0].id",
                "'boostEverything' is not one of ['boostEnvironments', 'boostLatestRelease', "
                "'ignoreHealthChecks', 'boostKeyTransactions', 'boostLowVolumeTransactions', "
                "'boostReplayId', 'recalibrationRule', 'minimumSampleRate']",
            ),
            ("$.latestRelease", "'version' is a required property"),
            ("$.organization", "'links' is a required property"),
        ],
    ),
    (
        "project-update",
        {"slug": "123", "autofixAutomationTuning": "sometimes", "allowedDomains": []},
        [
            ("$.allowedDomains", "[] does not contain items matching the given schema"),
            (
                "$.autofixAutomationTuning",
                "'sometimes' is not one of ['off', 'super_low', 'low', 'medium', 'high', 'always']",
            ),
            ("$.slug", "'123' is not valid under any of the given schemas"),
        ],
    ),
    (
        "project-update",
        {"groupingConfig": "newstyle:2023-01-11", "highlightContext": [], "digestsMinDelay": 59},
        [
            ("$.digestsMinDelay", "59 is not valid under any of the given schemas"),
            ("$.groupingConfig", "'newstyle:2023-01-11' should not be valid under {}"),
            ("$.highlightContext", "[] is not of type 'object'"),
        ],
    ),
    (
        "hook-create",
        {"events": ["event.alert"]},
        [("$", "'url' is a required property")],
    ),
    (
        "hook-create",
        {"url": ["https://example.com"], "version": 1},
        [
            ("$.url", "['https://example.com'] is not of type 'string'"),
            ("$.version", "1 is not one of [0, '0']"),
        ],
    ),
    (
        "hook-update",
        {"events": "event.alert", "isActive": None},
        [
            ("$.events", "'event.alert' is not of type 'array'"),
            (
                "$.isActive",
                "None is not one of [True, False, 't', 'T', 'y', 'Y', 'yes', 'Yes', 'YES', "
                "'true', 'True', 'TRUE', 'on', 'On', 'ON', '1', 1, 'f', 'F', 'n', 'N', 'no', "
                "'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF', '0', 0]",
            ),
        ],
    ),
    (
        "error-detail",
        {"detail": ["x"], "code": 1},
        [
            ("$", "Additional properties are not allowed ('code' was unexpected)"),
            ("$.detail", "['x'] is not of type 'string'"),
        ],
    ),
    ("error-list", [], [("$", "[] should be non-empty")]),
    (
        "project-slug",
        "My-Project",
        [("$", "'My-Project' does not match '^(?![0-9]+$)[a-z0-9_-]+$'")],
    ),
    (
        "avatar",
        {"avatarType": "letter_avatar"},
        [("$", "'avatarUuid' is a required property")],
    ),
    (
        # A dict field's errors are keyed by its keys, so any key is allowed; a message must
        # still be in a list, and a field's errors cannot be empty.
        "error-fields",
        {"events": {"0": "Too long."}, "url": "Enter a valid URL.", "slug": []},
        [
            ("$.events", "{'0': 'Too long.'} is not valid under any of the given schemas"),
            ("$.slug", "[] is not valid under any of the given schemas"),
            ("$.url", "'Enter a valid URL.' is not valid under any of the given schemas"),
        ],
    ),
    (
        "error-feature",
        {"error_type": "unavailable_feature", "detail": "You do not have that feature enabled"},
        [("$.detail", "'You do not have that feature enabled' is not of type 'array'")],
    ),
    (
        "error-internal",
        {"detail": "Internal error", "errorId": "0123456789abcdef"},
        [
            ("$.detail", "'Internal Error' was expected"),
            ("$.errorId", "'0123456789abcdef' does not match '^[0-9a-f]{32}$'"),
        ],
    ),
    (
        "error-rate-limit",
        {"detail": "Rate limit exceeded."},
        [("$", "{'detail': 'Rate limit exceeded.'} is not of type 'string'")],
    ),
    (
        "error-redirect",
        {"slug": "new-slug", "detail": {"extra": {"url": "/x/"}}},
        [("$.detail.extra", "'slug' is a required property")],
    ),
    (
        "error-trailing-slash",
        {"info": "Route not found"},
        [
            (
                "$.info",
                "'Route not found' does not match "
                "'^Route not found, did you forget a trailing slash\\\\? try: .*/$'",
            )
        ],
    ),
]


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.fixture(scope="module")
def jsonschema_only() -> SchemaRegistry:
    return SchemaRegistry(fast_path=False)


def _pairs(errors: list[Any]) -> list[tuple[str, str]]:
    return [(error.json_path, error.message) for error in errors]


def _write(directory: Path, name: str, contents: object) -> Path:
    path = directory / name
    path.write_text(contents if isinstance(contents, str) else json.dumps(contents))
    return path


def _schema(stem: str, **body: Any) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"urn:mockserver:{stem}", **body}


# --- the files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(schemas_dir().glob("*.json")), ids=lambda p: p.name)
def test_schema_file_is_a_draft_2020_12_schema_named_by_its_id(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == f"urn:mockserver:{path.name.removesuffix('.json')}"
    # Every check of the loader, with the metaschema check that the shipped files skip at run
    # time (the loader's own, which also refuses 1.0 where the metaschema wants an integer).
    stem = path.name.removesuffix(".json")
    assert loading.load_schema(path, stem, path.read_bytes(), meta_check=True) == schema


def test_the_list_of_meta_checked_schemas_is_up_to_date() -> None:
    # The shipped files listed here skip the metaschema check at load; meta_checked_list checks
    # each file in full before it lists it, so a file that fails can never be listed.
    path = schemas_dir() / META_CHECKED
    expected = meta_checked_list(schemas_dir())
    if os.environ.get("MOCKSERVER_UPDATE_GOLDEN") == "1":
        path.write_text(expected, encoding="utf-8", newline="\n")
    actual = path.read_text(encoding="utf-8") if path.is_file() else ""
    assert actual == expected, (
        f"{path} does not list the shipped schemas as they are: a schema was edited, added or "
        "removed. Run MOCKSERVER_UPDATE_GOLDEN=1 pytest tests/schemas/test_schemas.py and review "
        "the diff"
    )


@pytest.mark.parametrize("stem", API_SCHEMAS)
def test_api_schema_has_a_title_and_a_description(stem: str) -> None:
    schema = json.loads((schemas_dir() / f"{stem}.json").read_text(encoding="utf-8"))
    assert isinstance(schema["title"], str)
    assert schema["title"]
    assert isinstance(schema["description"], str)
    assert schema["description"]


@pytest.mark.parametrize("stem", API_SCHEMAS)
def test_api_schema_refers_to_other_files_only_by_whole_urn(stem: str) -> None:
    text = (schemas_dir() / f"{stem}.json").read_text(encoding="utf-8")
    refs = [line.split('"$ref": ')[1] for line in text.splitlines() if '"$ref": ' in line]
    assert all(ref.startswith('"urn:mockserver:') and "#" not in ref for ref in refs)


def test_registry_loads_every_shipped_schema(registry: SchemaRegistry) -> None:
    ids = registry.ids()
    assert ids == sorted(ids)
    assert set(API_SCHEMAS) <= set(ids)
    assert "scenario.schema" in ids


def test_project_schema_requires_exactly_the_keys_marked_r(registry: SchemaRegistry) -> None:
    schema = registry.schema("project")
    assert sorted(schema["required"]) == sorted(FULL_PROJECT)
    assert set(OPTIONAL_PROJECT_KEYS) <= set(schema["properties"])
    assert not set(OPTIONAL_PROJECT_KEYS) & set(schema["required"])


# --- examples that must validate ----------------------------------------------------------------


@pytest.mark.parametrize(("stem", "instance"), VALID)
def test_reference_example_validates(registry: SchemaRegistry, stem: str, instance: object) -> None:
    assert _pairs(registry.errors(stem, instance)) == []
    assert registry.is_valid(stem, instance) is True
    registry.check(stem, instance)


def test_doc_project_example_is_abridged_but_every_key_it_shows_is_typed(
    registry: SchemaRegistry,
) -> None:
    errors = registry.errors("project", DOC_PROJECT)
    assert {(error.json_path, error.validator) for error in errors} == {("$", "required")}
    missing = sorted(set(FULL_PROJECT) - set(DOC_PROJECT))
    assert sorted(error.message for error in errors) == sorted(
        f"{key!r} is a required property" for key in missing
    )


def test_doc_tag_values_example_lacks_only_the_key(registry: SchemaRegistry) -> None:
    assert _pairs(registry.errors("tag-values", DOC_TAG_VALUES)) == [
        ("$[0]", "'key' is a required property"),
        ("$[1]", "'key' is a required property"),
    ]


def test_doc_stats_example_floats_are_refused_as_integers(registry: SchemaRegistry) -> None:
    assert _pairs(registry.errors("stats", DOC_STATS)) == [
        ("$[0][0]", "1541455200.0 is not of type 'integer'"),
        ("$[1][0]", "1541458800.0 is not of type 'integer'"),
        ("$[2][0]", "1541462400.0 is not of type 'integer'"),
        ("$[3][0]", "1541466000.0 is not of type 'integer'"),
        ("$[4][0]", "1541469600.0 is not of type 'integer'"),
    ]


# --- what must not validate ---------------------------------------------------------------------


@pytest.mark.parametrize(("stem", "instance", "expected"), INVALID)
def test_invalid_instance_reports_each_error_at_its_json_path(
    registry: SchemaRegistry, stem: str, instance: object, expected: list[tuple[str, str]]
) -> None:
    assert _pairs(registry.errors(stem, instance)) == expected
    assert registry.is_valid(stem, instance) is False


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2018-11-06T21:20:08.143Z", True),
        ("2021-01-14T22:08:52.711809Z", True),
        ("2024-01-15T08:30:00Z", True),
        ("2024-01-15t08:30:00z", True),
        ("2024-01-15T08:30:00+05:30", True),
        ("2016-12-31T23:59:60Z", True),
        ("2024-02-29T00:00:00Z", True),
        ("2023-02-29T00:00:00Z", False),
        ("2024-13-01T00:00:00Z", False),
        ("2024-01-15T24:00:00Z", False),
        ("2024-01-15T08:30:00", False),
        ("2024-01-15 08:30:00Z", False),
        ("2024-01-15T08:30:00+24:00", False),
        ("2024-01-15T08:30:00Z\n", False),
        ("1705307400", False),
    ],
)
def test_date_time_format_is_enforced(registry: SchemaRegistry, value: str, valid: bool) -> None:
    # Enforced without the optional rfc3339-validator package: the registry brings its own.
    assert registry.is_valid("hook", {**HOOK, "dateCreated": value}) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("https://gravatar.com/avatar/9e26471d35a78862c17e467d87cddedf?s=32&d=mm", True),
        ("https://example.com/a%20b#frag", True),
        ("http://[::1]:8080/", True),
        ("urn:isbn:0451450523", True),
        ("//example.com/relative", False),
        ("/avatar.png", False),
        ("https://example.com/a b", False),
        ("https://example.com/%zz", False),
        ("https://example.com/#a#b", False),
        ("", False),
    ],
)
def test_uri_format_is_enforced(registry: SchemaRegistry, value: str, valid: bool) -> None:
    # Enforced without the optional rfc3987 package: the registry brings its own.
    assert registry.is_valid("event-user", {**USER_AS_CODE_ANSWERS, "avatarUrl": value}) is valid


# --- the fast path answers exactly as jsonschema does -------------------------------------------


class _Color(enum.IntEnum):
    RED = 1


class _Kind(enum.StrEnum):
    ACTIVE = "active"


ODD_VALUES: list[object] = [None, True, False, 0, -1, 1.5, 3.0, "", "x", [], {}, ["x"], {"a": 1}]
ODD_VALUES += [Decimal("1"), _Color.RED, _Kind.ACTIVE, ("x",)]


def _mutations(instance: object) -> list[object]:
    """The instance with each top-level and second-level value replaced or removed."""
    out: list[object] = [*ODD_VALUES]
    if isinstance(instance, dict):
        for key, value in instance.items():
            out.append({k: v for k, v in instance.items() if k != key})
            out += [{**instance, key: odd} for odd in ODD_VALUES]
            out += [{**instance, key: inner} for inner in _mutations(value)[len(ODD_VALUES) :]]
    elif isinstance(instance, list) and instance:
        out += [[odd, *instance[1:]] for odd in ODD_VALUES]
        out += [[inner, *instance[1:]] for inner in _mutations(instance[0])[len(ODD_VALUES) :]]
        out.append(instance + instance)
    return out


# The richest valid instance of each schema reaches every keyword.
RICHEST_VALID = [
    max((pair for pair in VALID if pair[0] == stem), key=lambda pair: len(json.dumps(pair[1])))
    for stem in sorted({stem for stem, _ in VALID})
]
# The project's mutations take longest by far (the largest schema): marked slow.
MUTATED = [
    pytest.param(stem, instance, marks=pytest.mark.slow) if stem == "project" else (stem, instance)
    for stem, instance in RICHEST_VALID
]


@pytest.mark.parametrize(("stem", "instance"), MUTATED)
def test_fast_path_agrees_with_jsonschema_on_mutations(
    registry: SchemaRegistry, jsonschema_only: SchemaRegistry, stem: str, instance: object
) -> None:
    # The fast path can only ever say "valid"; comparing is_valid covers every way it could
    # be wrong, and errors() is jsonschema's own whenever the fast path says no.
    for mutated in _mutations(instance):
        assert registry.is_valid(stem, mutated) is jsonschema_only.is_valid(stem, mutated), mutated


@pytest.mark.parametrize(("stem", "instance", "expected"), INVALID)
def test_fast_path_agrees_with_jsonschema_on_invalid_instances(
    jsonschema_only: SchemaRegistry, stem: str, instance: object, expected: list[tuple[str, str]]
) -> None:
    assert _pairs(jsonschema_only.errors(stem, instance)) == expected
    assert jsonschema_only.is_valid(stem, instance) is False


def test_page_of_users_holds_at_most_100(registry: SchemaRegistry) -> None:
    page = [
        {**USER_AS_CODE_ANSWERS, "tagValue": f"id:{n}", "identifier": str(n)} for n in range(100)
    ]
    assert registry.errors("event-users", page) == []
    errors = registry.errors("event-users", [*page, USER_AS_CODE_ANSWERS])
    assert [(error.json_path, error.validator) for error in errors] == [("$", "maxItems")]
    assert errors[0].message.endswith("] is too long")


# --- ResponseSchemaError ------------------------------------------------------------------------


def test_check_names_the_schema_and_each_error(registry: SchemaRegistry) -> None:
    with pytest.raises(ResponseSchemaError) as caught:
        registry.check("hook", {**HOOK, "id": "abc", "status": "gone"})
    assert str(caught.value) == (
        "does not match schema 'hook' (urn:mockserver:hook): 2 errors\n"
        "  $.id: 'abc' does not match '^[0-9a-f]{32}$'\n"
        "  $.status: 'gone' is not one of "
        "['active', 'disabled', 'pending_deletion', 'deletion_in_progress']"
    )


def test_check_spells_out_the_first_five_errors_and_counts_the_rest(
    registry: SchemaRegistry,
) -> None:
    broken = {"id": 1, "url": 2, "secret": 3, "status": 4, "events": 5, "dateCreated": 6, "x": 7}
    with pytest.raises(ResponseSchemaError) as caught:
        registry.check("hook", broken)
    assert str(caught.value) == (
        "does not match schema 'hook' (urn:mockserver:hook): 8 errors\n"
        "  $: Additional properties are not allowed ('x' was unexpected)\n"
        "  $.dateCreated: 6 is not of type 'string'\n"
        "  $.events: 5 is not of type 'array'\n"
        "  $.id: 1 is not of type 'string'\n"
        "  $.secret: 3 is not of type 'string'\n"
        "  ... and 3 more"
    )


def test_check_shortens_messages_that_quote_a_huge_instance(registry: SchemaRegistry) -> None:
    with pytest.raises(ResponseSchemaError) as caught:
        registry.check("hook", list(range(1000)))
    header, line = str(caught.value).split("\n")
    assert header == "does not match schema 'hook' (urn:mockserver:hook): 1 error"
    assert line.startswith("  $: [0, 1, 2, 3, ")
    assert line.endswith("...")
    assert len(line) == 2 + 3 + 300


def test_check_explains_which_branch_of_an_any_of_came_closest(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "choice.json",
        _schema("choice", anyOf=[{"type": "integer"}, {"type": "string", "maxLength": 2}]),
    )
    with pytest.raises(ResponseSchemaError) as caught:
        SchemaRegistry(tmp_path).check("choice", "abc")
    assert str(caught.value) == (
        "does not match schema 'choice' (urn:mockserver:choice): 1 error\n"
        "  $: 'abc' is not valid under any of the given schemas "
        "(closest: $: 'abc' is too long)"
    )


def test_contract_violation_is_the_old_name_of_response_schema_error() -> None:
    # Public API: code that catches mockserver.ContractViolation catches the renamed class.
    assert mockserver.ContractViolation is ResponseSchemaError
    assert mockserver.ResponseSchemaError is ResponseSchemaError
    assert issubclass(ResponseSchemaError, MockServerError)


# --- the registry API ---------------------------------------------------------------------------


def test_unknown_stem_raises_key_error_with_near_misses(registry: SchemaRegistry) -> None:
    with pytest.raises(KeyError, match=r"no schema 'hoks' in .*; did you mean 'hooks', 'hook'\?"):
        registry.errors("hoks", {})
    with pytest.raises(KeyError, match="no schema 'nothing-like-it'"):
        registry.check("nothing-like-it", {})


def test_schema_returns_a_copy(registry: SchemaRegistry) -> None:
    copy = registry.schema("hook")
    copy["required"].clear()
    copy["title"] = "changed"
    assert registry.schema("hook")["required"] == [
        "id",
        "url",
        "secret",
        "status",
        "events",
        "dateCreated",
    ]
    assert registry.schema("hook")["title"] == "Service hook"
    assert registry.errors("hook", {}) != []


def test_stems_with_dots_load_and_refer_across_files(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "scenario.schema.json",
        _schema(
            "scenario.schema",
            type="object",
            properties={"users": {"$ref": "urn:mockserver:scenario-generate#/$defs/users"}},
        ),
    )
    _write(
        tmp_path,
        "scenario-generate.json",
        _schema("scenario-generate", **{"$defs": {"users": {"type": "integer", "minimum": 1}}}),
    )
    registry = SchemaRegistry(tmp_path)
    assert registry.ids() == ["scenario-generate", "scenario.schema"]
    assert registry.errors("scenario.schema", {"users": 3}) == []
    assert _pairs(registry.errors("scenario.schema", {"users": 0})) == [
        ("$.users", "0 is less than the minimum of 1")
    ]


def test_ref_like_data_in_enum_or_const_is_not_a_reference(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "data.json",
        _schema(
            "data",
            properties={
                "a": {"const": {"$ref": "https://example.com/not-a-ref.json"}},
                "enum": {"type": "string"},
            },
        ),
    )
    registry = SchemaRegistry(tmp_path)
    assert registry.is_valid("data", {"a": {"$ref": "https://example.com/not-a-ref.json"}})
    assert _pairs(registry.errors("data", {"enum": 1})) == [("$.enum", "1 is not of type 'string'")]


# --- load errors --------------------------------------------------------------------------------


def test_broken_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{\n  "type": "object",\n}\n')
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == (
        f"{path}: line 3, column 1: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_invalid_schema_names_the_file_and_json_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", _schema("bad", properties={"count": {"type": "int"}}))
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value).startswith(
        f"{path}: $.properties.count.type: not a valid draft 2020-12 schema: 'int' is not valid"
    )


@pytest.mark.parametrize(
    ("name", "contents", "problem"),
    [
        (
            "hook.json",
            {"$schema": DIALECT, "type": "object"},
            '$id is missing; add "$id": "urn:mockserver:hook"',
        ),
        (
            "hook.json",
            _schema("hooks"),
            "$id is 'urn:mockserver:hooks' but the file name requires 'urn:mockserver:hook'",
        ),
        (
            "hook.json",
            {"$id": "urn:mockserver:hook"},
            "$schema is None; expected 'https://json-schema.org/draft/2020-12/schema' "
            "(every schema here is draft 2020-12)",
        ),
        (
            "hook.json",
            {**_schema("hook"), "$schema": "http://json-schema.org/draft-07/schema#"},
            "$schema is 'http://json-schema.org/draft-07/schema#'; expected "
            "'https://json-schema.org/draft/2020-12/schema' (every schema here is draft 2020-12)",
        ),
        ("list.json", [], "a schema file must hold a JSON object, not list"),
        (
            "twice.json",
            f'{{"$schema": "{DIALECT}", "$id": "urn:mockserver:twice", "type": "string", '
            '"type": "integer"}',
            "duplicate key 'type' in one object (JSON would keep only the last)",
        ),
        (
            "my hook.json",
            _schema("my hook"),
            "the file name may only use letters, digits, '.', '_' and '-' "
            "(the stem becomes a URI and an OpenAPI component name)",
        ),
    ],
)
def test_malformed_schema_file_is_refused_with_its_name(
    tmp_path: Path, name: str, contents: object, problem: str
) -> None:
    path = _write(tmp_path, name, contents)
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == f"{path}: {problem}"


def test_missing_or_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path / "nowhere")
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: no such directory of JSON Schemas"
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == f"{tmp_path}: no *.json schema files in this directory"


def test_ref_to_an_unknown_urn_is_refused_at_load(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", _schema("a", items={"$ref": "urn:mockserver:b"}))
    _write(tmp_path, "c.json", _schema("c"))
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'a.json'}: $.items.$ref: $ref 'urn:mockserver:b' does not resolve: "
        f"no schema loaded from {tmp_path} has that URI (nothing is fetched); "
        "refer to urn:mockserver:<stem> with <stem> one of: a, c"
    )


def test_ref_to_a_missing_definition_is_refused_at_load(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", _schema("a", properties={"x": {"$ref": "#/$defs/nope"}}))
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'a.json'}: $.properties.x.$ref: $ref '#/$defs/nope' does not resolve: "
        "its JSON pointer points to nothing in that schema"
    )


def test_remote_ref_is_refused_without_touching_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the schema registry tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    remote = "https://json.schemastore.org/package.json"
    _write(tmp_path, "a.json", _schema("a", properties={"pkg": {"$ref": remote}}))
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'a.json'}: $.properties.pkg.$ref: $ref '{remote}' does not resolve: "
        f"no schema loaded from {tmp_path} has that URI (nothing is fetched); "
        "refer to urn:mockserver:<stem> with <stem> one of: a"
    )


# --- the metaschema check, once per file content, and the per-process cache -------------------


@pytest.fixture
def meta_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The $id of each schema checked against the metaschema, in order; the cache starts empty."""
    checked: list[str] = []
    original = formats.StrictValidator.check_schema

    def spy(schema: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        checked.append(schema["$id"])
        original(schema, *args, **kwargs)

    monkeypatch.setattr(formats.StrictValidator, "check_schema", spy)
    monkeypatch.setattr(schemas, "_cache", OrderedDict())
    return checked


def _copy_of_the_shipped_schemas(tmp_path: Path) -> Path:
    directory = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), directory)
    return directory


def test_shipped_files_as_listed_skip_only_the_metaschema_check(meta_checks: list[str]) -> None:
    registry = SchemaRegistry()
    assert meta_checks == []
    assert registry.ids() == sorted(
        p.name.removesuffix(".json") for p in schemas_dir().glob("*.json")
    )
    assert registry.errors("hook", HOOK) == []


def test_an_edited_shipped_file_is_checked_in_full(tmp_path: Path, meta_checks: list[str]) -> None:
    directory = _copy_of_the_shipped_schemas(tmp_path)
    hook = directory / "hook.json"
    schema = json.loads(hook.read_text(encoding="utf-8"))
    schema["title"] = "Service hook, edited"
    hook.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    SchemaRegistry(directory)
    assert meta_checks == ["urn:mockserver:hook"]

    schema["type"] = "objet"
    hook.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(directory)
    assert str(caught.value) == (
        f"{hook}: $.type: not a valid draft 2020-12 schema: "
        "'objet' is not valid under any of the given schemas"
    )


def test_a_list_in_another_directory_vouches_for_nothing(
    tmp_path: Path, meta_checks: list[str]
) -> None:
    bad = _write(tmp_path, "bad.json", _schema("bad", properties={"count": {"type": "int"}}))
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    (tmp_path / META_CHECKED).write_text(f"{digest}  bad.json\n", encoding="utf-8")
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value).startswith(
        f"{bad}: $.properties.count.type: not a valid draft 2020-12 schema: 'int' is not valid"
    )
    assert meta_checks == ["urn:mockserver:bad"]


@pytest.mark.parametrize("listing", [None, "", "not-a-digest  hook.json\n", "\xff"])
def test_without_a_usable_list_every_shipped_file_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meta_checks: list[str], listing: str | None
) -> None:
    directory = _copy_of_the_shipped_schemas(tmp_path)
    if listing is None:
        (directory / META_CHECKED).unlink()
    else:
        (directory / META_CHECKED).write_text(listing, encoding="latin-1")
    monkeypatch.setattr(resources, "schemas_dir", lambda: directory)
    SchemaRegistry()
    assert meta_checks == [
        f"urn:mockserver:{p.name.removesuffix('.json')}" for p in sorted(directory.glob("*.json"))
    ]


def test_a_directory_is_loaded_once_per_content(tmp_path: Path, meta_checks: list[str]) -> None:
    path = _write(tmp_path, "a.json", _schema("a", type="string"))
    first = SchemaRegistry(tmp_path)
    again = SchemaRegistry(tmp_path)
    assert meta_checks == ["urn:mockserver:a"]
    assert again.is_valid("a", "x")

    # Same size, written at once: only the content tells the two apart.
    path.write_text(path.read_text().replace('"string"', '"number"'))
    changed = SchemaRegistry(tmp_path)
    assert meta_checks == ["urn:mockserver:a", "urn:mockserver:a"]
    assert (changed.is_valid("a", "x"), changed.is_valid("a", 1)) == (False, True)
    assert (first.is_valid("a", "x"), first.is_valid("a", 1)) == (True, False)

    _write(tmp_path, "b.json", _schema("b"))
    assert SchemaRegistry(tmp_path).ids() == ["a", "b"]


def test_registries_of_one_content_share_their_validators(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", _schema("a", type="object", required=["id"]))
    one, two = SchemaRegistry(tmp_path), SchemaRegistry(tmp_path)
    assert one.errors("a", {"id": 1}) == two.errors("a", {"id": 1}) == []
    assert one._loaded is two._loaded
    assert SchemaRegistry(tmp_path, fast_path=False)._loaded is not one._loaded
    assert _pairs(SchemaRegistry(tmp_path, fast_path=False).errors("a", {})) == [
        ("$", "'id' is a required property")
    ]


def test_a_refused_directory_is_refused_again(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.mkdir()
    with pytest.raises(IsADirectoryError) as unreadable:
        path.read_bytes()
    for _ in range(2):
        with pytest.raises(SchemaLoadError) as caught:
            SchemaRegistry(tmp_path)
        assert str(caught.value) == f"{path}: cannot read the file: {unreadable.value}"
    path.rmdir()
    _write(tmp_path, "a.json", _schema("a", type="string"))
    assert SchemaRegistry(tmp_path).is_valid("a", "x")


def test_the_cache_keeps_the_last_eight_directories(tmp_path: Path, meta_checks: list[str]) -> None:
    directories = []
    for i in range(9):
        directory = tmp_path / str(i)
        directory.mkdir()
        _write(directory, "a.json", _schema("a"))
        directories.append(directory)
        SchemaRegistry(directory)
    assert len(meta_checks) == 9
    SchemaRegistry(directories[-1])
    assert len(meta_checks) == 9
    SchemaRegistry(directories[0])  # the least recently used, dropped
    assert len(meta_checks) == 10


def test_crlf_files_report_the_lines_and_columns_of_a_text_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{\r\n  "type": "object",\r\n}\r\n')
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry(tmp_path)
    assert str(caught.value) == (
        f"{path}: line 3, column 1: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_validators_are_built_once_when_threads_race_for_the_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "a.json", _schema("a", type="object", properties={"n": {"type": "integer"}}))
    registry = SchemaRegistry(tmp_path)
    compiled: list[str] = []
    compile_root = fastpath.Compiler.compile_root
    get = schemas._Loaded.get
    # Every thread finds the validator missing before any of them builds it.
    all_looked = threading.Barrier(8)

    def counting(self: Any, schema: Any, resolver: Any) -> Any:
        compiled.append(schema["$id"])
        return compile_root(self, schema, resolver)

    def racing(self: Any, stem: str) -> Any:
        ready = get(self, stem)
        if ready is None:
            all_looked.wait(timeout=30)
        return ready

    monkeypatch.setattr(fastpath.Compiler, "compile_root", counting)
    monkeypatch.setattr(schemas._Loaded, "get", racing)
    answers: list[tuple[bool, list[tuple[str, str]]]] = []

    def use() -> None:
        answers.append((registry.is_valid("a", {"n": 1}), _pairs(registry.errors("a", {"n": "1"}))))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(True, [("$.n", "'1' is not of type 'integer'")])] * 8
    assert compiled == ["urn:mockserver:a"]


def test_a_schema_the_fast_path_gives_up_on_leaves_nothing_half_built(tmp_path: Path) -> None:
    # "not" has no fast path: a.json gives up inside $defs.x, which b.json refers to. b must
    # not get the check a.json left unfinished (it used to raise IndexError).
    x = {"type": "object", "properties": {"p": {"not": {"type": "string"}}}}
    _write(
        tmp_path,
        "a.json",
        _schema("a", properties={"q": {"$ref": "#/$defs/x"}}, **{"$defs": {"x": x}}),
    )
    _write(tmp_path, "b.json", _schema("b", **{"$ref": "urn:mockserver:a#/$defs/x"}))
    registry = SchemaRegistry(tmp_path)
    assert _pairs(registry.errors("a", {"q": {"p": "s"}})) == [
        ("$.q.p", "'s' should not be valid under {'type': 'string'}")
    ]
    assert _pairs(registry.errors("b", {"p": "s"})) == [
        ("$.p", "'s' should not be valid under {'type': 'string'}")
    ]
    assert registry.is_valid("b", {"p": 1})
    assert registry.errors("b", {"p": 1}) == []


def test_the_fast_path_tells_booleans_from_numbers_in_enums_and_combines_any_and_all_of(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "c.json",
        _schema(
            "c",
            properties={
                "flag": {"enum": [True, "t", 1]},
                "either": {"anyOf": [{"type": "integer"}, {"enum": [False]}]},
                "both": {"allOf": [{"type": "string"}, {"maxLength": 2}]},
            },
        ),
    )
    fast, slow = SchemaRegistry(tmp_path), SchemaRegistry(tmp_path, fast_path=False)
    assert fast._prepared("c")[1] is not None  # compiled: these keywords have a fast path
    values: list[object] = [True, False, 1, 1.0, 0, "t", "abc", "ab", None, [1]]
    for name in ("flag", "either", "both"):
        for value in values:
            instance = {name: value}
            assert fast.is_valid("c", instance) is slow.is_valid("c", instance), instance
    assert [v for v in values if fast.is_valid("c", {"flag": v})] == [True, 1, 1.0, "t"]
    assert [v for v in values if fast.is_valid("c", {"either": v})] == [False, 1, 0]
    assert [v for v in values if fast.is_valid("c", {"both": v})] == ["t", "ab"]


def test_the_fast_path_decides_if_then_else_and_not_as_jsonschema_does(tmp_path: Path) -> None:
    # project.json's organization is checked with if/then, project-update.json refuses keys
    # with "not": both have a fast path now. An "if" the fast path is in doubt about (unique
    # items that are not strings) must take both branches, never the "else" alone.
    _write(
        tmp_path,
        "d.json",
        _schema(
            "d",
            properties={
                "org": {"if": {"minProperties": 3}, "then": {"required": ["name"]}},
                "refused": {"not": {}},
                "set": {"not": {"type": "null"}},
                "list": {
                    "if": {"uniqueItems": True},
                    "then": {"minItems": 2},
                    "else": {"maxItems": 0},
                },
            },
        ),
    )
    fast, slow = SchemaRegistry(tmp_path), SchemaRegistry(tmp_path, fast_path=False)
    assert fast._prepared("d")[1] is not None
    values: list[object] = [None, 0, "x", [], [1, 2], [1, 1], ["a", "b"], ["a", "a"], {}]
    values += [{"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "name": "n"}]
    for name in ("org", "refused", "set", "list"):
        for value in values:
            instance = {name: value}
            assert fast.is_valid("d", instance) is slow.is_valid("d", instance), instance
    lists = [v for v in values if isinstance(v, list)]
    assert [v for v in lists if fast.is_valid("d", {"list": v})] == [[1, 2], ["a", "b"]]
    assert not fast.is_valid("d", {"org": {"a": 1, "b": 2, "c": 3}})
    assert fast.is_valid("d", {"org": {"a": 1, "b": 2}})
    assert [v for v in values if fast.is_valid("d", {"set": v})] == values[1:]
    assert not any(fast.is_valid("d", {"refused": v}) for v in values)


def test_every_shipped_response_and_request_body_schema_has_a_fast_path(
    registry: SchemaRegistry,
) -> None:
    # The bodies the mock checks on every request (the contract) and every answer: none may
    # fall back to jsonschema alone. Nor may the scenario's own schemas (checked at every start:
    # a valid scenario loads without importing jsonschema) and symbol sources.
    slow = sorted(stem for stem in registry._schemas if registry._prepared(stem)[1] is None)
    assert slow == []
