/*
 * Field table of the SMB_COM_TRANSACTION that carries a mailslot write
 * (msl_smbtr): the SMB header [MS-SMB 2.2.3.1], the transaction words
 * [MS-CIFS 2.2.4.33.1] and the mailslot write itself [MS-MAIL 2.2.1], as
 * far as they were read (msl_smbtr.have; the data only when the SMB
 * decoded).
 */
#include "msl_fields_json.h"

enum {
  /* the SMB header */
  COMMAND, STATUS, FLAGS, FLAGS_REPLY, FLAGS_CANON, FLAGS_CASELESS, FLAGS2,
  FLAGS2_UNICODE, FLAGS2_NT_STATUS, FLAGS2_SIGNATURES, FLAGS2_LONG_NAMES,
  PID_HIGH, SIGNATURE, TID, PID, UID, MID, WORD_COUNT,
  /* the transaction words */
  TOTAL_PARAM_COUNT, TOTAL_DATA_COUNT, MAX_PARAM_COUNT, MAX_DATA_COUNT,
  MAX_SETUP_COUNT, TRANS_FLAGS, TIMEOUT, PARAM_COUNT, PARAM_OFFSET,
  DATA_COUNT, DATA_OFFSET, SETUP_COUNT, BYTE_COUNT, TRANS_NAME,
  /* the mailslot write */
  MS_NAME, MS_OPCODE, MS_PRIORITY, MS_CLASS, MS_SIZE, MS_DATA_LEN, MS_DATA,
  MS_PADDING, MS_TRAILING,
  N_FIELDS
};

static const msl_field_val commands[] = {{MSL_SMBTR_CMD, "SMB_COM_TRANSACTION"},
                                         {0, NULL}};
static const msl_field_val opcodes[] = {{MSL_SMBTR_OP_WRITE, "write mailslot"},
                                        {0, NULL}};
static const msl_field_val classes[] = {
    {MSL_SMBTR_CLASS_RELIABLE, "reliable"},
    {MSL_SMBTR_CLASS_UNRELIABLE, "unreliable & broadcast"},
    {0, NULL}};

static msl_view security(const void *base) {
  const msl_smbtr *s = base;
  msl_view v = {s->security, sizeof(s->security)};
  return v;
}

#define MSL_FST msl_smbtr

static const msl_field F[N_FIELDS] = {
    [COMMAND] = MSL_FX("Command", "smb.cmd", "command", MSL_FT_UINT, command,
                       .flags = MSL_FF_HEX, .digits = 2, .vals = commands),
    [STATUS] = MSL_FHEX("Status", "smb.nt_status", "status", status, 8),
    [FLAGS] = MSL_FHEX("Flags", "smb.flags", "flags", smb_flags, 2),
    [FLAGS_REPLY] = MSL_FBIT("Reply", "smb.flags.response", smb_flags, 0x80, 8),
    [FLAGS_CANON] =
        MSL_FBIT("Canonicalized paths", "smb.flags.canon", smb_flags, 0x10, 8),
    [FLAGS_CASELESS] =
        MSL_FBIT("Case insensitive", "smb.flags.caseless", smb_flags, 0x08, 8),
    [FLAGS2] = MSL_FHEX("Flags2", "smb.flags2", "flags2", smb_flags2, 4),
    [FLAGS2_UNICODE] = MSL_FBIT("Unicode strings", "smb.flags2.string",
                                smb_flags2, 0x8000, 16),
    [FLAGS2_NT_STATUS] = MSL_FBIT("NT status codes", "smb.flags2.nt_error",
                                  smb_flags2, 0x4000, 16),
    [FLAGS2_SIGNATURES] = MSL_FBIT("Security signatures", "smb.flags2.sec_sig",
                                   smb_flags2, 0x0004, 16),
    [FLAGS2_LONG_NAMES] =
        MSL_FBIT("Long names allowed", "smb.flags2.long_names_allowed",
                 smb_flags2, 0x0001, 16),
    [PID_HIGH] = MSL_FNUM("PID High", "smb.pid.high", "pid_high", pid_high),
    [SIGNATURE] = {"Signature", "smb.signature", MSL_FKEY("signature"),
                   .type = MSL_FT_BYTES, .getv = security},
    [TID] = MSL_FNUM("Tree ID", "smb.tid", "tid", tid),
    [PID] = MSL_FNUM("Process ID", "smb.pid", "pid", pid_low),
    [UID] = MSL_FNUM("User ID", "smb.uid", "uid", uid),
    [MID] = MSL_FNUM("Multiplex ID", "smb.mid", "mid", mid),
    [WORD_COUNT] = MSL_FNUM("Word Count", "smb.wct", "word_count", word_count),
    [TOTAL_PARAM_COUNT] = MSL_FNUM("Total Parameter Count", "smb.tpc",
                                   "total_param_count", total_param_count),
    [TOTAL_DATA_COUNT] = MSL_FNUM("Total Data Count", "smb.tdc",
                                  "total_data_count", total_data_count),
    [MAX_PARAM_COUNT] = MSL_FNUM("Max Parameter Count", "smb.mpc",
                                 "max_param_count", max_param_count),
    [MAX_DATA_COUNT] =
        MSL_FNUM("Max Data Count", "smb.mdc", "max_data_count", max_data_count),
    [MAX_SETUP_COUNT] = MSL_FNUM("Max Setup Count", "smb.msc",
                                 "max_setup_count", max_setup_count),
    [TRANS_FLAGS] = MSL_FHEX("Transaction Flags", "smb.transaction.flags",
                             "trans_flags", trans_flags, 4),
    [TIMEOUT] = MSL_FX("Timeout", "smb.timeout", "timeout", MSL_FT_UINT,
                       timeout, .unit = " ms"),
    [PARAM_COUNT] =
        MSL_FNUM("Parameter Count", "smb.pc", "param_count", param_count),
    [PARAM_OFFSET] =
        MSL_FNUM("Parameter Offset", "smb.po", "param_offset", param_offset),
    [DATA_COUNT] = MSL_FNUM("Data Count", "smb.dc", "data_count", data_count),
    [DATA_OFFSET] =
        MSL_FNUM("Data Offset", "smb.data_offset", "data_offset", data_offset),
    [SETUP_COUNT] =
        MSL_FNUM("Setup Count", "smb.sc", "setup_count", setup_count),
    [BYTE_COUNT] = MSL_FNUM("Byte Count", "smb.bcc", "byte_count", byte_count),
    [TRANS_NAME] = MSL_F("Transaction Name", "smb.trans_name", "trans_name",
                         MSL_FT_ASCII, name),
    [MS_NAME] =
        MSL_F("Mailslot Name", "mailslot.name", "name", MSL_FT_ASCII, name),
    [MS_OPCODE] =
        MSL_FX("Opcode", "mailslot.opcode", "opcode", MSL_FT_UINT, opcode,
               .vals = opcodes, .nul = "unknown", .style = MSL_FN_NUM_PNAME),
    [MS_PRIORITY] =
        MSL_FNUM("Priority", "mailslot.priority", "priority", priority),
    [MS_CLASS] =
        MSL_FX("Class", "mailslot.class", "class", MSL_FT_UINT, mailslot_class,
               .vals = classes, .nul = "unknown", .style = MSL_FN_NUM_PNAME),
    [MS_SIZE] = MSL_FNUM("Size", "mailslot.size", "size", byte_count),
    [MS_DATA_LEN] = MSL_FX("Data", NULL, "data_len", MSL_FT_UINT, data.len,
                           .unit = " bytes"),
    [MS_DATA] = MSL_FX("Data bytes", NULL, "data_hex", MSL_FT_BYTES, data,
                       .flags = MSL_FF_DUMP),
    [MS_PADDING] = {"Padding", "smb.padding", .type = MSL_FT_BYTES,
                    MSL_FAT(msl_smbtr, pad)},
    [MS_TRAILING] = MSL_F("Bytes after the data", NULL, "trailing_hex",
                          MSL_FT_BYTES, trailing),
};

#undef MSL_FST

const msl_field_table msl_ft_smb = {"smb", F, N_FIELDS};

static int have(const msl_field_ctx *c, unsigned bit) {
  return (((const msl_smbtr *)c->base)->have & bit) != 0;
}

static int words(const msl_field_ctx *c) {
  return have(c, MSL_SMBTR_HAVE_WORDS);
}

static int name(const msl_field_ctx *c) { return have(c, MSL_SMBTR_HAVE_NAME); }

static int no_name(const msl_field_ctx *c) { return !name(c); }

/* The header (the tree shows its flag bits, and orders it as the wire),
 * then the words when they were read, and the name. */
static const msl_field_item smb_items[] = {
    MSL_FI(COMMAND), MSL_FI(STATUS), MSL_FI(FLAGS),
    MSL_FIW(FLAGS_REPLY, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(FLAGS_CANON, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(FLAGS_CASELESS, MSL_ONLY_TREE, MSL_NESTED), MSL_FI(FLAGS2),
    MSL_FIW(FLAGS2_UNICODE, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(FLAGS2_NT_STATUS, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(FLAGS2_SIGNATURES, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(FLAGS2_LONG_NAMES, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(PID_HIGH, MSL_ONLY_TREE), MSL_FIW(SIGNATURE, MSL_ONLY_TREE),
    MSL_FI(TID), MSL_FI(PID), MSL_FIW(PID_HIGH, MSL_ONLY_JSON), MSL_FI(UID),
    MSL_FI(MID), MSL_FIW(SIGNATURE, MSL_ONLY_JSON),
    MSL_FIW(WORD_COUNT, MSL_ONLY_TREE),
    MSL_FIW(WORD_COUNT, MSL_ONLY_JSON, MSL_IF_NE(MSL_SMBTR_WORDS)),
    MSL_FIW(TOTAL_PARAM_COUNT, MSL_IF(words)),
    MSL_FIW(TOTAL_DATA_COUNT, MSL_IF(words)),
    MSL_FIW(MAX_PARAM_COUNT, MSL_IF(words)),
    MSL_FIW(MAX_DATA_COUNT, MSL_IF(words)),
    MSL_FIW(MAX_SETUP_COUNT, MSL_IF(words)),
    MSL_FIW(TRANS_FLAGS, MSL_IF(words)), MSL_FIW(TIMEOUT, MSL_IF(words)),
    MSL_FIW(PARAM_COUNT, MSL_IF(words)), MSL_FIW(PARAM_OFFSET, MSL_IF(words)),
    MSL_FIW(DATA_COUNT, MSL_IF(words)), MSL_FIW(DATA_OFFSET, MSL_IF(words)),
    MSL_FIW(SETUP_COUNT, MSL_IF(words)), MSL_FIW(BYTE_COUNT, MSL_IF(words)),
    MSL_FIW(TRANS_NAME, MSL_IF(name))};

/* Summary: the transaction name, or what the SMB is when it has none. */
static const msl_field_item smb_text[] = {
    MSL_FIW(TRANS_NAME, MSL_IF(name), MSL_SAY(" ")),
    MSL_FIW(COMMAND, MSL_AS_NUM, MSL_IF(no_name), MSL_SAY(" SMB command ")),
    MSL_FIW(WORD_COUNT, MSL_IF_NE(MSL_SMBTR_WORDS), MSL_IF(no_name),
            MSL_SAY(" WordCount "))};

MSL_FIELD_LAYOUT_DEF(, msl_fl_smb, smb_items, smb_text, NULL);

/* The data, for an SMB that decoded (one cut short keeps its header). */
static int whole(const msl_field_ctx *c) {
  return c->d->partial != MSL_LAYER_SMB;
}

static int padding(const msl_field_ctx *c) {
  const msl_smbtr *s = c->base;
  return whole(c) && s->pad.len && s->pad.ptr;
}

static const msl_field_item mailslot_items[] = {
    MSL_FIW(MS_NAME, MSL_ONLY_JSON, MSL_IF(name)), MSL_FI(MS_OPCODE),
    MSL_FI(MS_PRIORITY), MSL_FI(MS_CLASS), MSL_FI(MS_SIZE),
    MSL_FIW(MS_NAME, MSL_ONLY_TREE, MSL_IF(name)),
    MSL_FIW(MS_DATA_LEN, MSL_IF(whole)),
    MSL_FIW(MS_DATA, MSL_ONLY_TREE, MSL_NESTED, MSL_IF(whole)),
    MSL_FIW(MS_DATA, MSL_ONLY_JSON, MSL_IF(whole)),
    MSL_FIW(MS_PADDING, MSL_ONLY_TREE, MSL_IF(padding)),
    MSL_FIW(MS_TRAILING, MSL_IF_NONZERO, MSL_IF(whole))};

MSL_FIELD_LAYOUT_DEF_NOTEXT(, msl_fl_mailslot, mailslot_items, NULL);

int msl_fields_smb_is_mailslot(const msl_smbtr *s) {
  /* Setup says "mailslot write", and the name, if read, does not deny it. */
  return (s->have & MSL_SMBTR_HAVE_WORDS) &&
         s->setup_count == MSL_SMBTR_SETUP && s->opcode == MSL_SMBTR_OP_WRITE &&
         (!(s->have & MSL_SMBTR_HAVE_NAME) ||
          msl_smbtr_is_mailslot_name(s->name.ptr, s->name.len));
}
