/*
 * Field table of the browser frames [MS-BRWS 2.2] (msl_browse) and of the
 * LAN Manager 2.x announcement on \MAILSLOT\LANMAN (msl_browse_lanman).
 * A frame cut short shows its fixed fields that end before the cut
 * (MSL_IF_UPTO with the field's end offset in the frame) and the strings
 * that were read (MSL_IF_SET).
 */
#include "msl_fields_json.h"

enum {
  COMMAND,
  /* HostAnnouncement, LocalMasterAnnouncement, DomainAnnouncement */
  UPDATE_COUNT, PERIOD, SERVER, GROUP, OS_VERSION, CONFIG_VERSION, OS_MAJOR,
  OS_MINOR, SERVER_TYPE, BROWSER_VERSION, PROTO_MAJOR, PROTO_MINOR,
  SIGNATURE, MYSTERIOUS, COMMENT, LOCAL_MASTER,
  /* AnnouncementRequest */
  REQ_RESERVED, REQ_NAME,
  /* RequestElection */
  ELECT_VERSION, CRITERIA, CRITERIA_OS, CRITERIA_VERSION, CRITERIA_ROLE,
  UPTIME, ELECT_UNUSED, ELECT_SERVER,
  /* GetBackupListRequest, GetBackupListResponse */
  BACKUP_REQ_COUNT, BACKUP_REQ_TOKEN, BACKUP_COUNT, BACKUP_TOKEN,
  BACKUP_SERVERS,
  /* BecomeBackup, MasterAnnouncement, ResetStateRequest */
  PROMOTE, MASTER, RESET, TRAILING,
  /* LAN Manager 2.x announcement (msl_browse_lanman) */
  LM_COMMAND, LM_LANMAN, LM_OPCODE, LM_SERVER_TYPE, LM_OS_VERSION,
  LM_OS_MAJOR, LM_OS_MINOR, LM_INTERVAL, LM_SERVER, LM_COMMENT, LM_TRAILING,
  N_FIELDS
};

static const char *opcode_name(uint32_t v) { return msl_browse_opcode_name(v); }

static const char *os_name(uint32_t v) {
  return msl_browse_elect_os_name((uint8_t)v);
}

static const char *role_name(uint32_t bit) {
  return bit > 0xff ? NULL : msl_browse_role_name((uint8_t)bit);
}

static const char *reset_name(uint32_t v) {
  return msl_browse_reset_name((uint8_t)v);
}

/* The 16-byte name field up to its NUL. */
static msl_view name16(const void *base) {
  const msl_browse *b = base;
  msl_view v = {b->u.announce.name, msl_browse_name16_len(b->u.announce.name)};
  return v;
}

static uint64_t mysterious(const void *base) {
  return msl_browse_mysterious(&((const msl_browse *)base)->u.announce);
}

static int backup_next(const msl_field_ctx *c, const msl_field *f,
                       msl_field_iter *it) {
  const msl_browse *b = c->base;
  (void)f;
  if (!it->i)
    msl_browse_names_init(&it->u.names, &b->u.backup_resp);
  it->elem = &it->v;
  return msl_browse_names_next(&it->u.names, &it->v) == 1;
}

#define MSL_FST msl_browse
#define VERSION(label, member)                                                 \
  {label, NULL, .type = MSL_FT_VERSION, MSL_FAT(msl_browse, member)}
/* The LAN Manager announcement's (another struct). */
#define LM(label, abbrev, key, ft, member)                                     \
  MSL_FDEF(label, abbrev, key, ft, msl_browse_lanman, member)
#define LMX(label, abbrev, key, ft, member, ...)                               \
  MSL_FDEFX(label, abbrev, key, ft, msl_browse_lanman, member, __VA_ARGS__)

static const msl_field F[N_FIELDS] = {
    [COMMAND] = MSL_FX("Command", "browser.command", "command", MSL_FT_UINT,
                       opcode, MSL_FNAMEKEY("command"), .flags = MSL_FF_HEX,
                       .digits = 2, .name = opcode_name, .nul = "unknown"),
    [UPDATE_COUNT] = MSL_FNUM("Update Count", "browser.update_count",
                              "update_count", u.announce.update_count),
    [PERIOD] = MSL_FX("Periodicity", "browser.period", "period", MSL_FT_UINT,
                      u.announce.periodicity_ms, .unit = " ms"),
    [SERVER] = {"Server Name", "browser.server", MSL_FKEY("server"),
                .type = MSL_FT_ASCII, .getv = name16},
    [GROUP] = {"Machine Group", "browser.server", MSL_FKEY("server"),
               .type = MSL_FT_ASCII, .getv = name16},
    [OS_VERSION] = VERSION("OS Version", u.announce.os_major),
    [CONFIG_VERSION] = VERSION("Browser Config Version", u.announce.os_major),
    [OS_MAJOR] = MSL_FNUM("OS Major Version", "browser.os_major", "os_major",
                          u.announce.os_major),
    [OS_MINOR] = MSL_FNUM("OS Minor Version", "browser.os_minor", "os_minor",
                          u.announce.os_minor),
    [SERVER_TYPE] =
        MSL_FX("Server Type", "browser.server_type", "server_type", MSL_FT_UINT,
               u.announce.server_type, MSL_FBITSKEY("server_type"),
               .flags = MSL_FF_HEX | MSL_FF_BITLIST, .digits = 8,
               .name = msl_browse_sv_type_name),
    [BROWSER_VERSION] = VERSION("Browser Version", u.announce.browser_major),
    [PROTO_MAJOR] =
        MSL_FNUM("Browser Protocol Major Version", "browser.proto_major",
                 "proto_major", u.announce.browser_major),
    [PROTO_MINOR] =
        MSL_FNUM("Browser Protocol Minor Version", "browser.proto_minor",
                 "proto_minor", u.announce.browser_minor),
    [SIGNATURE] = MSL_FHEX("Signature", "browser.sig", "signature",
                           u.announce.signature, 4),
    [MYSTERIOUS] = {"Mysterious Field", "browser.mysterious_field",
                    MSL_FKEY("mysterious"), .type = MSL_FT_UINT,
                    .get = mysterious, .flags = MSL_FF_HEX, .digits = 8},
    [COMMENT] =
        MSL_FSTR("Comment", "browser.comment", "comment", u.announce.comment),
    [LOCAL_MASTER] = MSL_FSTR("Local Master Browser", "browser.mb_server",
                              "mb_server", u.announce.comment),
    [REQ_RESERVED] =
        MSL_FHEX("Reserved", "browser.unused", "unused", u.req.reserved, 2),
    [REQ_NAME] = MSL_FSTR("Response Name", "browser.response_computer_name",
                          "response_computer_name", u.req.response_name),
    [ELECT_VERSION] = MSL_FNUM("Version", "browser.election.version", "version",
                               u.election.version),
    [CRITERIA] = MSL_FHEX("Criteria", "browser.election.criteria", "criteria",
                          u.election.criteria, 8),
    [CRITERIA_OS] = MSL_FX("OS", "browser.election.os", "criteria_os",
                           MSL_FT_UINT, u.election.criteria,
                           MSL_FNAMEKEY("criteria_os"), .mask = 0xff000000u,
                           .flags = MSL_FF_HEX, .digits = 2, .name = os_name),
    [CRITERIA_VERSION] =
        MSL_FX("Election Version", NULL, "criteria_version", MSL_FT_UINT,
               u.election.criteria, .mask = 0x00ffff00u, .flags = MSL_FF_HEX,
               .digits = 4),
    [CRITERIA_ROLE] =
        MSL_FX("Role", "browser.election.desire", "criteria_role", MSL_FT_UINT,
               u.election.criteria, MSL_FBITSKEY("criteria_role"),
               .mask = 0xffu, .flags = MSL_FF_HEX | MSL_FF_BITLIST, .digits = 2,
               .name = role_name),
    [UPTIME] = MSL_FX("Uptime", "browser.uptime", "uptime", MSL_FT_UINT,
                      u.election.uptime_ms, .unit = " ms"),
    [ELECT_UNUSED] = MSL_FHEX("Unused", NULL, "unused", u.election.unused, 8),
    [ELECT_SERVER] = MSL_FSTR("Server Name", "browser.server", "server",
                              u.election.server_name),
    [BACKUP_REQ_COUNT] = MSL_FNUM("Requested Count", "browser.backup.count",
                                  "count", u.backup_req.count),
    [BACKUP_REQ_TOKEN] =
        MSL_FNUM("Token", "browser.backup.token", "token", u.backup_req.token),
    [BACKUP_COUNT] = MSL_FNUM("Backup Server Count", "browser.backup.count",
                              "count", u.backup_resp.count),
    [BACKUP_TOKEN] =
        MSL_FNUM("Token", "browser.backup.token", "token", u.backup_resp.token),
    [BACKUP_SERVERS] = {"Backup Server", "browser.backup.server",
                        MSL_FKEY("servers"), .type = MSL_FT_STRLIST,
                        .next = backup_next},
    [PROMOTE] = MSL_FSTR("Browser To Promote", "browser.browser_to_promote",
                         "browser_to_promote", u.name),
    [MASTER] = MSL_FSTR("Master Browser Server Name", "browser.mb_server",
                        "mb_server", u.name),
    [RESET] = MSL_FX("Reset Type", "browser.reset_cmd", "reset_cmd",
                     MSL_FT_UINT, u.reset_type, MSL_FNAMEKEY("reset_cmd"),
                     .flags = MSL_FF_HEX, .digits = 2, .name = reset_name),
    [TRAILING] = MSL_F("Bytes after the frame", NULL, "trailing_hex",
                       MSL_FT_BYTES, trailing),
    /* JSON: a LAN Manager frame is a "browse" object, its command the low
     * byte of its opcode */
    [LM_COMMAND] =
        LMX("Command", "browser.command", "command", MSL_FT_UINT, opcode,
            MSL_FNAMEKEY("command"), .mask = 0xff, .nul = "LanmanAnnouncement"),
    [LM_LANMAN] = {"LAN Manager layout", NULL, MSL_FKEY("lanman"),
                   .type = MSL_FT_TRUE},
    [LM_OPCODE] = LMX("Opcode", NULL, "opcode", MSL_FT_UINT, opcode,
                      .flags = MSL_FF_HEX, .digits = 4),
    [LM_SERVER_TYPE] =
        LMX("Server Type", "browser.server_type", "server_type", MSL_FT_UINT,
            server_type, MSL_FBITSKEY("server_type"),
            .flags = MSL_FF_HEX | MSL_FF_BITLIST, .digits = 8,
            .name = msl_browse_sv_type_name),
    [LM_OS_VERSION] = {"OS Version", NULL, .type = MSL_FT_VERSION,
                       MSL_FAT(msl_browse_lanman, os_major)},
    [LM_OS_MAJOR] = LM("OS Major Version", "browser.os_major", "os_major",
                       MSL_FT_UINT, os_major),
    [LM_OS_MINOR] = LM("OS Minor Version", "browser.os_minor", "os_minor",
                       MSL_FT_UINT, os_minor),
    [LM_INTERVAL] = LMX("Announce Interval", "browser.period", "period",
                        MSL_FT_UINT, interval_s, .unit = " s"),
    [LM_SERVER] =
        LM("Server Name", "browser.server", "server", MSL_FT_ASCII, name),
    [LM_COMMENT] =
        LM("Comment", "browser.comment", "comment", MSL_FT_ASCII, comment),
    [LM_TRAILING] = LM("Bytes after the frame", NULL, "trailing_hex",
                       MSL_FT_BYTES, trailing),
};

#undef MSL_FST
#undef VERSION
#undef LM
#undef LMX

const msl_field_table msl_ft_browse = {"browser", F, N_FIELDS};

MSL_FIELD_COMMAND_LAYOUT(msl_fl_browse_command, COMMAND);

static const msl_field_item tail_items[] = {
    MSL_FIW(TRAILING, MSL_IF_NONZERO)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, tail, tail_items, NULL);

/*
 * 0x01 HostAnnouncement, 0x0F LocalMasterAnnouncement [MS-BRWS 2.2.1], and
 * 0x0C DomainAnnouncement [2.2.7], whose name is the group's, whose OS
 * version is the BrowserConfigVersion, and whose bytes 28..31 are not
 * defined (MS-BRWS <19>-<21>): JSON shows them both ways, as the other
 * announcements' fields and as one u32, the tree as the u32.
 */
static int host(const msl_field_ctx *c) {
  return ((const msl_browse *)c->base)->opcode !=
         MSL_BROWSE_DOMAIN_ANNOUNCEMENT;
}

static int domain(const msl_field_ctx *c) { return !host(c); }

static const msl_field_item announce_items[] = {
    MSL_FIW(UPDATE_COUNT, MSL_IF_UPTO(2)), MSL_FIW(PERIOD, MSL_IF_UPTO(6)),
    MSL_FIW(SERVER, MSL_IF_UPTO(22), MSL_IF(host)),
    MSL_FIW(GROUP, MSL_IF_UPTO(22), MSL_IF(domain)),
    MSL_FIW(OS_VERSION, MSL_ONLY_TREE, MSL_IF_UPTO(24), MSL_IF(host)),
    MSL_FIW(CONFIG_VERSION, MSL_ONLY_TREE, MSL_IF_UPTO(24), MSL_IF(domain)),
    MSL_FIW(OS_MAJOR, MSL_ONLY_JSON, MSL_IF_UPTO(23)),
    MSL_FIW(OS_MINOR, MSL_ONLY_JSON, MSL_IF_UPTO(24)),
    MSL_FIW(SERVER_TYPE, MSL_IF_UPTO(28)),
    MSL_FIW(BROWSER_VERSION, MSL_ONLY_TREE, MSL_IF_UPTO(32), MSL_IF(host)),
    MSL_FIW(SIGNATURE, MSL_ONLY_TREE, MSL_IF_UPTO(32), MSL_IF(host)),
    MSL_FIW(MYSTERIOUS, MSL_ONLY_TREE, MSL_IF_UPTO(32), MSL_IF(domain)),
    MSL_FIW(PROTO_MAJOR, MSL_ONLY_JSON, MSL_IF_UPTO(29)),
    MSL_FIW(PROTO_MINOR, MSL_ONLY_JSON, MSL_IF_UPTO(30)),
    MSL_FIW(SIGNATURE, MSL_ONLY_JSON, MSL_IF_UPTO(32)),
    MSL_FIW(MYSTERIOUS, MSL_ONLY_JSON, MSL_IF_UPTO(32), MSL_IF(domain)),
    MSL_FIW(COMMENT, MSL_IF_SET, MSL_IF(host)),
    MSL_FIW(LOCAL_MASTER, MSL_IF_SET, MSL_IF(domain))};
/* (the group, config version and master browser are the same bytes) */
static const msl_field_item announce_text[] = {
    MSL_FIW(SERVER, MSL_SAY(" ")), MSL_FIW(OS_VERSION, MSL_SAY(" os ")),
    MSL_FIW(SERVER_TYPE, MSL_SAY(" type ")),
    MSL_FIW(COMMENT, MSL_SAY2(" \"", "\""))};
MSL_FIELD_LAYOUT_DEF(static, announce, announce_items, announce_text, &tail);

/* 0x02 AnnouncementRequest [MS-BRWS 2.2.2]. */
static const msl_field_item request_items[] = {
    MSL_FIW(REQ_RESERVED, MSL_IF_UPTO(2)), MSL_FIW(REQ_NAME, MSL_IF_SET)};
static const msl_field_item request_text[] = {
    MSL_FIW(REQ_NAME, MSL_SAY(" "))};
MSL_FIELD_LAYOUT_DEF(static, request, request_items, request_text, &tail);

/* 0x08 RequestElection [MS-BRWS 2.2.3]. */
static const msl_field_item election_items[] = {
    MSL_FIW(ELECT_VERSION, MSL_IF_UPTO(2)), MSL_FIW(CRITERIA, MSL_IF_UPTO(6)),
    MSL_FIW(CRITERIA_OS, MSL_NESTED, MSL_IF_UPTO(6)),
    MSL_FIW(CRITERIA_VERSION, MSL_NESTED, MSL_IF_UPTO(6)),
    MSL_FIW(CRITERIA_ROLE, MSL_NESTED, MSL_IF_UPTO(6)),
    MSL_FIW(UPTIME, MSL_IF_UPTO(10)), MSL_FIW(ELECT_UNUSED, MSL_IF_UPTO(14)),
    MSL_FIW(ELECT_SERVER, MSL_IF_SET)};
static const msl_field_item election_text[] = {
    MSL_FIW(ELECT_SERVER, MSL_SAY(" ")),
    MSL_FIW(CRITERIA, MSL_SAY(" criteria ")),
    MSL_FIW(UPTIME, MSL_SAY2(" uptime ", "ms"))};
MSL_FIELD_LAYOUT_DEF(static, election, election_items, election_text, &tail);

/* 0x09 GetBackupListRequest [MS-BRWS 2.2.4]. */
static const msl_field_item backup_req_items[] = {
    MSL_FIW(BACKUP_REQ_COUNT, MSL_IF_UPTO(2)),
    MSL_FIW(BACKUP_REQ_TOKEN, MSL_IF_UPTO(6))};
static const msl_field_item backup_req_text[] = {
    MSL_FIW(BACKUP_REQ_COUNT, MSL_SAY(" count ")),
    MSL_FIW(BACKUP_REQ_TOKEN, MSL_SAY(" token "))};
MSL_FIELD_LAYOUT_DEF(static, backup_req, backup_req_items, backup_req_text,
                     &tail);

/* 0x0A GetBackupListResponse [MS-BRWS 2.2.5]: no names when they ran out. */
static int backup_names(const msl_field_ctx *c) {
  const msl_browse *b = c->base;
  return b->u.backup_resp.list.ptr || !b->u.backup_resp.count;
}

static const msl_field_item backup_items[] = {
    MSL_FIW(BACKUP_COUNT, MSL_IF_UPTO(2)),
    MSL_FIW(BACKUP_TOKEN, MSL_IF_UPTO(6)),
    MSL_FIW(BACKUP_SERVERS, MSL_IF(backup_names))};
static const msl_field_item backup_text[] = {
    MSL_FIW(BACKUP_TOKEN, MSL_SAY(" token ")),
    MSL_FIW(BACKUP_SERVERS, MSL_SAY(" "))};
MSL_FIELD_LAYOUT_DEF(static, backup, backup_items, backup_text, &tail);

/* 0x0B BecomeBackup [MS-BRWS 2.2.6], 0x0D MasterAnnouncement [2.2.8],
 * 0x0E ResetStateRequest [2.2.9]. */
static const msl_field_item promote_items[] = {MSL_FIW(PROMOTE, MSL_IF_SET)};
static const msl_field_item promote_text[] = {MSL_FIW(PROMOTE, MSL_SAY(" "))};
MSL_FIELD_LAYOUT_DEF(static, promote, promote_items, promote_text, &tail);

static const msl_field_item master_items[] = {MSL_FIW(MASTER, MSL_IF_SET)};
static const msl_field_item master_text[] = {MSL_FIW(MASTER, MSL_SAY(" "))};
MSL_FIELD_LAYOUT_DEF(static, master, master_items, master_text, &tail);

static const msl_field_item reset_items[] = {MSL_FIW(RESET, MSL_IF_UPTO(2))};
static const msl_field_item reset_text[] = {
    MSL_FIW(RESET, MSL_SAY(" type "))};
MSL_FIELD_LAYOUT_DEF(static, reset, reset_items, reset_text, &tail);

const msl_field_layout *msl_fields_browse_body(const msl_browse *b) {
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
    return &announce;
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    return &request;
  case MSL_BROWSE_REQUEST_ELECTION:
    return &election;
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    return &backup_req;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    return &backup;
  case MSL_BROWSE_BECOME_BACKUP:
    return &promote;
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    return &master;
  case MSL_BROWSE_RESET_STATE_REQUEST:
    return &reset;
  }
  return &tail;
}

/* ---- LAN Manager 2.x announcement (\MAILSLOT\LANMAN) ---- */

static const msl_field_item lanman_items[] = {
    MSL_FIW(LM_COMMAND, MSL_ONLY_JSON), MSL_FIW(LM_LANMAN, MSL_ONLY_JSON),
    MSL_FI(LM_OPCODE), MSL_FIW(LM_SERVER_TYPE, MSL_IF_UPTO(6)),
    MSL_FIW(LM_OS_VERSION, MSL_ONLY_TREE, MSL_IF_UPTO(8)),
    MSL_FIW(LM_OS_MAJOR, MSL_ONLY_JSON, MSL_IF_UPTO(7)),
    MSL_FIW(LM_OS_MINOR, MSL_ONLY_JSON, MSL_IF_UPTO(8)),
    MSL_FIW(LM_INTERVAL, MSL_IF_UPTO(10)), MSL_FIW(LM_SERVER, MSL_IF_SET),
    MSL_FIW(LM_COMMENT, MSL_IF_SET), MSL_FIW(LM_TRAILING, MSL_IF_NONZERO)};
static const msl_field_item lanman_text[] = {
    MSL_FIW(LM_SERVER, MSL_SAY(" ")), MSL_FIW(LM_OS_VERSION, MSL_SAY(" os ")),
    MSL_FIW(LM_SERVER_TYPE, MSL_SAY(" type ")),
    MSL_FIW(LM_COMMENT, MSL_SAY2(" \"", "\""))};
MSL_FIELD_LAYOUT_DEF(, msl_fl_lanman, lanman_items, lanman_text, NULL);

/* The summary's command word, as for every frame cut short. */
static const msl_field_item lanman_command_text[] = {
    MSL_FIW(LM_COMMAND, MSL_AS_NAME, MSL_SAY(" "))};
const msl_field_layout msl_fl_lanman_command = {NULL, 0,    lanman_command_text,
                                                1,    NULL, NULL};
