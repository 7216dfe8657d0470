import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type PatchSubject, parsePatchSubject } from "../../lib/series/subject";

// What a table row states; the rest is the default of a plain subject.
type Expected = Partial<Omit<PatchSubject, "normalizedTitle" | "isCover">> & { title: string };

function parsed(expected: Expected): PatchSubject {
  const counter = expected.counter ?? null;
  return {
    isReply: false,
    isPatch: false,
    isPullRequest: false,
    revision: 1,
    counter,
    total: null,
    rfc: false,
    resend: false,
    prefixes: [],
    ...expected,
    normalizedTitle: expected.title.toLowerCase(),
    isCover: counter === 0,
  };
}

// Real subjects from the linux-integrity corpus (folded headers unfolded),
// chosen for every form the bracket dialect takes there.
const REAL_SUBJECTS: ReadonlyArray<[string, Expected]> = [
  ["[PATCH] tpm: Don't duplicate events from the final event log in the TCG2 log",
    { isPatch: true, title: "tpm: Don't duplicate events from the final event log in the TCG2 log" }],
  ["[PATCH v3 2/4] add the buffer to the xattr",
    { isPatch: true, revision: 3, counter: 2, total: 4, title: "add the buffer to the xattr" }],
  ["[PATCH bpf-next v4 00/20] Add return value range check for BPF LSM",
    { isPatch: true, revision: 4, counter: 0, total: 20, prefixes: ["bpf-next"], title: "Add return value range check for BPF LSM" }],
  ["[RFC PATCH v2 0/7] ima: Support measurement of kexec initramfs components",
    { isPatch: true, rfc: true, revision: 2, counter: 0, total: 7, title: "ima: Support measurement of kexec initramfs components" }],
  ["[PATCH RESEND] tpm: eventlog: Replace zero-length array with flexible-array member",
    { isPatch: true, resend: true, title: "tpm: eventlog: Replace zero-length array with flexible-array member" }],
  // Stable review: "5.10" is the tree, not a version.
  ["[PATCH 5.10 07/38] tpm: Fix error handling in async work",
    { isPatch: true, counter: 7, total: 38, prefixes: ["5.10"], title: "tpm: Fix error handling in async work" }],
  ["[PATCH AUTOSEL 4.19 062/167] tpm: Fix some name collisions with drivers/char/tpm.h",
    { isPatch: true, counter: 62, total: 167, prefixes: ["AUTOSEL", "4.19"], title: "tpm: Fix some name collisions with drivers/char/tpm.h" }],
  ["Re: [PATCH v2 0/3] initramfs: add support for xattrs in the initial ram disk",
    { isReply: true, isPatch: true, revision: 2, counter: 0, total: 3, title: "initramfs: add support for xattrs in the initial ram disk" }],
  // A corporate tag between two reply markers.
  ["RE: [EXT] Re: [PATCH v4 5/5] KEYS: trusted: Introduce support for NXP CAAM-based trusted keys",
    { isReply: true, isPatch: true, revision: 4, counter: 5, total: 5, prefixes: ["EXT"], title: "KEYS: trusted: Introduce support for NXP CAAM-based trusted keys" }],
  ["RE: [EXT] [PATCH v4 4/5] crypto: caam - add in-kernel interface for blob generator",
    { isReply: true, isPatch: true, revision: 4, counter: 4, total: 5, prefixes: ["EXT"], title: "crypto: caam - add in-kernel interface for blob generator" }],
  // An RFC without a counter is a discussion, not a patch.
  ["[RFC] IMA Log Snapshotting Design Proposal",
    { rfc: true, title: "IMA Log Snapshotting Design Proposal" }],
  ["[RFC V2] IMA Log Snapshotting Design Proposal",
    { rfc: true, revision: 2, title: "IMA Log Snapshotting Design Proposal" }],
  // ... with one it is part of a series.
  ["[RFC v2 19/19] ima: Setup securityfs for IMA namespace",
    { isPatch: true, rfc: true, revision: 2, counter: 19, total: 19, title: "ima: Setup securityfs for IMA namespace" }],
  ["[LTP v2 1/1] ima_tpm.sh: Fix for calculating boot aggregate",
    { isPatch: true, revision: 2, counter: 1, total: 1, prefixes: ["LTP"], title: "ima_tpm.sh: Fix for calculating boot aggregate" }],
  ["Re: [LTP] [PATCH v4 4/4] ima: Add overlay test + doc",
    { isReply: true, isPatch: true, revision: 4, counter: 4, total: 4, prefixes: ["LTP"], title: "ima: Add overlay test + doc" }],
  ["[Patch V10 2/3] tpm_tis-spi: Add hardware wait polling",
    { isPatch: true, revision: 10, counter: 2, total: 3, title: "tpm_tis-spi: Add hardware wait polling" }],
  ["[PATCHv8 1/3] optee: use uuid for sysfs driver entry",
    { isPatch: true, revision: 8, counter: 1, total: 3, title: "optee: use uuid for sysfs driver entry" }],
  ["Re: [Tee-dev] [PATCHv8 1/3] optee: use uuid for sysfs driver entry",
    { isReply: true, isPatch: true, revision: 8, counter: 1, total: 3, prefixes: ["Tee-dev"], title: "optee: use uuid for sysfs driver entry" }],
  ["[ima-evm-utils: PATCH 0/3] evmctl option improvements",
    { isPatch: true, counter: 0, total: 3, prefixes: ["ima-evm-utils"], title: "evmctl option improvements" }],
  ["[PATCH ima-evm-utils] cmd_ima_bootaggr: Fix for systems without TPM 2.0",
    { isPatch: true, prefixes: ["ima-evm-utils"], title: "cmd_ima_bootaggr: Fix for systems without TPM 2.0" }],
  ["[PATCH 000/141] Fix fall-through warnings for Clang",
    { isPatch: true, counter: 0, total: 141, title: "Fix fall-through warnings for Clang" }],
  ["[PATCH v2 001/110] vfs: introduce kino_t typedef and PRIino format macro",
    { isPatch: true, revision: 2, counter: 1, total: 110, title: "vfs: introduce kino_t typedef and PRIino format macro" }],
  // "v5.4" in the title is not a version of the pull request.
  ["[GIT PULL] tpmdd updates for Linux v5.4",
    { isPullRequest: true, title: "tpmdd updates for Linux v5.4" }],
  ["[GIT PULL 0/7] EFI fixes for v5.4",
    { isPullRequest: true, counter: 0, total: 7, title: "EFI fixes for v5.4" }],
  ["Re: Re: [GIT PULL] TPM DEVICE DRIVER updates for v5.18",
    { isReply: true, isPullRequest: true, title: "TPM DEVICE DRIVER updates for v5.18" }],
  ["[syzbot] [integrity?] [lsm?] possible deadlock in ima_file_free",
    { prefixes: ["syzbot", "integrity?", "lsm?"], title: "possible deadlock in ima_file_free" }],
  // The kernel test robot numbers the commit it built; that is no patch.
  ["[integrity:next-integrity-testing 3/5] security/integrity/ima/ima_asymmetric_keys.c:70:6: sparse: sparse: symbol 'ima_queue_key' was not declared. Should it be static?",
    { counter: 3, total: 5, prefixes: ["integrity:next-integrity-testing"], title: "security/integrity/ima/ima_asymmetric_keys.c:70:6: sparse: sparse: symbol 'ima_queue_key' was not declared. Should it be static?" }],
  ["[PATCH v1 0/4] [RFC] Implement Trampoline File Descriptor",
    { isPatch: true, rfc: true, revision: 1, counter: 0, total: 4, title: "Implement Trampoline File Descriptor" }],
  ["[PATCH 1/3][V2] lib: fix match_string() helper on -1 array size",
    { isPatch: true, revision: 2, counter: 1, total: 3, title: "lib: fix match_string() helper on -1 array size" }],
  ["[PATCH][next] ima: ima_modsig: Fix use-after-free bug in ima_read_modsig",
    { isPatch: true, prefixes: ["next"], title: "ima: ima_modsig: Fix use-after-free bug in ima_read_modsig" }],
  ["[WIP][RFC][PATCH 0/3] Introduce Infoflow LSM",
    { isPatch: true, rfc: true, counter: 0, total: 3, prefixes: ["WIP"], title: "Introduce Infoflow LSM" }],
  ["[RESEND][PATCH v2-resend] MAINTAINERS: fix style in KEYS-TRUSTED entry",
    { isPatch: true, resend: true, revision: 2, title: "MAINTAINERS: fix style in KEYS-TRUSTED entry" }],
  ["[PATCH v2,RESEND] tpm: Detach page allocation from tpm_buf",
    { isPatch: true, resend: true, revision: 2, title: "tpm: Detach page allocation from tpm_buf" }],
  ["[PATCH v4 0/3,RESEND 2] KEYS, trusted: a bunch of bug fixes",
    { isPatch: true, resend: true, revision: 4, counter: 0, total: 3, prefixes: ["2"], title: "KEYS, trusted: a bunch of bug fixes" }],
  // Version 11 of a stack rebased for the ima tree.
  ["[v11-ima PATCH 00/25] LSM: Module stacking for AppArmor",
    { isPatch: true, revision: 11, counter: 0, total: 25, prefixes: ["ima"], title: "LSM: Module stacking for AppArmor" }],
  ["[PATCH =v2 1/3] tpm: fix invalid locking in NONBLOCKING mode",
    { isPatch: true, revision: 2, counter: 1, total: 3, title: "tpm: fix invalid locking in NONBLOCKING mode" }],
  // "v3a" (an alternative to v3) is no version number; b4 reads it the same way.
  ["[RFC][PATCH v3a 00/11] ima: support fs-verity digests and signatures (alternative)",
    { isPatch: true, rfc: true, counter: 0, total: 11, prefixes: ["v3a"], title: "ima: support fs-verity digests and signatures (alternative)" }],
  ["[RFC PATCH HBK: 0/8] HW BOUND KEY as TRUSTED KEY",
    { isPatch: true, rfc: true, counter: 0, total: 8, prefixes: ["HBK"], title: "HW BOUND KEY as TRUSTED KEY" }],
  ["[PATCH -next v2] IMA: fix memdup.cocci warnings",
    { isPatch: true, revision: 2, prefixes: ["-next"], title: "IMA: fix memdup.cocci warnings" }],
  ["[RFC/RFT v4 0/5] Add generic trusted keys framework/subsystem",
    { isPatch: true, rfc: true, revision: 4, counter: 0, total: 5, title: "Add generic trusted keys framework/subsystem" }],
  ["Re: [PATCH v1 - RFC] ima: export the measurement list when needed",
    { isReply: true, isPatch: true, rfc: true, revision: 1, title: "ima: export the measurement list when needed" }],
  ["[PATCH - for 6.4] tpm: tpm_tis: Disable interrupts for AEON UPX-i11",
    { isPatch: true, prefixes: ["for", "6.4"], title: "tpm: tpm_tis: Disable interrupts for AEON UPX-i11" }],
  ["[PATCH 5.3 regression fix] efi-stub: Fix get_efi_config_table on mixed-mode setups",
    { isPatch: true, prefixes: ["5.3", "regression", "fix"], title: "efi-stub: Fix get_efi_config_table on mixed-mode setups" }],
  // One patch more than announced, as sent.
  ["[PATCH v13 26/25] Audit: Multiple LSM support in audit rules",
    { isPatch: true, revision: 13, counter: 26, total: 25, title: "Audit: Multiple LSM support in audit rules" }],
  ["[RFC][GNUPG][PATCH 1/2] Convert PGP keys to the user asymmetric keys format",
    { isPatch: true, rfc: true, counter: 1, total: 2, prefixes: ["GNUPG"], title: "Convert PGP keys to the user asymmetric keys format" }],
  ["[PATCHES][CFR][CFT] securityfs cleanups and fixes",
    { isPatch: true, prefixes: ["CFR", "CFT"], title: "securityfs cleanups and fixes" }],
  ["[PATCH v8 0/3]",
    { isPatch: true, revision: 8, counter: 0, total: 3, title: "" }],
  ["Ping: [PATCH] tpm_tis: don't flush never initialized work",
    { isReply: true, isPatch: true, title: "tpm_tis: don't flush never initialized work" }],
  ["Re: [PROBLEM]: WARNING: lock held when returning to user space! (5.4.1 #16 Tainted: G )",
    { isReply: true, prefixes: ["PROBLEM"], title: "WARNING: lock held when returning to user space! (5.4.1 #16 Tainted: G )" }],
  ["Re: [IMA] Re: possible deadlock in get_user_pages_unlocked (2)",
    { isReply: true, prefixes: ["IMA"], title: "possible deadlock in get_user_pages_unlocked (2)" }],
  ["Aw: Re: Bug: TPM returned invalid status",
    { isReply: true, title: "Bug: TPM returned invalid status" }],
  ["AW: TPM V2: kernel panic on linux reboot",
    { isReply: true, title: "TPM V2: kernel panic on linux reboot" }],
  ["Fw: TCTI poll with kernel 5.10",
    { isReply: true, title: "TCTI poll with kernel 5.10" }],
  ["[linux-ima-user]EVM does not permit changes on /proc filesystem",
    { prefixes: ["linux-ima-user"], title: "EVM does not permit changes on /proc filesystem" }],
  // Brackets after the title are part of it.
  ["TPM/EFI issue [Was: Linux 6.12]",
    { title: "TPM/EFI issue [Was: Linux 6.12]" }],
  // mutt's forward format wraps a whole subject in brackets: not a tag list.
  ["[tytso@mit.edu: Re: [PATCH v4 03/16] fs-verity: add UAPI header]",
    { title: "[tytso@mit.edu: Re: [PATCH v4 03/16] fs-verity: add UAPI header]" }],
];

describe("parsePatchSubject on real subjects", () => {
  for (const [subject, expected] of REAL_SUBJECTS) {
    test(subject, () => {
      assert.deepEqual(parsePatchSubject(subject), parsed(expected));
    });
  }
});

describe("parsePatchSubject: the forms the brief names", () => {
  const cases: ReadonlyArray<[string, Expected]> = [
    ["[PATCH] foo", { isPatch: true, title: "foo" }],
    ["[PATCH v3 2/7] foo", { isPatch: true, revision: 3, counter: 2, total: 7, title: "foo" }],
    ["[PATCH net-next v3 02/17] foo", { isPatch: true, revision: 3, counter: 2, total: 17, prefixes: ["net-next"], title: "foo" }],
    ["[RFC PATCH v2 0/5] foo", { isPatch: true, rfc: true, revision: 2, counter: 0, total: 5, title: "foo" }],
    ["[PATCH RESEND v2 1/3] foo", { isPatch: true, resend: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH 5.10 012/345] foo", { isPatch: true, counter: 12, total: 345, prefixes: ["5.10"], title: "foo" }],
    ["[PATCH v2 1/3] Re: foo", { isReply: true, isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH] [v2] foo", { isPatch: true, revision: 2, title: "foo" }],
    ["[RFC][PATCH v2 1/2] foo", { isPatch: true, rfc: true, revision: 2, counter: 1, total: 2, title: "foo" }],
    ["[PATCH v2][next] foo", { isPatch: true, revision: 2, prefixes: ["next"], title: "foo" }],
    ["[GIT PULL] tpmdd updates for v6.9", { isPullRequest: true, title: "tpmdd updates for v6.9" }],
    ["[PATCH V2 1/3] foo", { isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH v2- 1/3] foo", { isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH v2: 1/3] foo", { isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCHv2 1/3] foo", { isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH-v2 1/3] foo", { isPatch: true, revision: 2, counter: 1, total: 3, title: "foo" }],
    ["[PATCH v2 00/10] foo", { isPatch: true, revision: 2, counter: 0, total: 10, title: "foo" }],
    ["[PATCH 1/1] foo", { isPatch: true, counter: 1, total: 1, title: "foo" }],
    ["[PULL] foo", { isPullRequest: true, title: "foo" }],
  ];
  for (const [subject, expected] of cases) {
    test(subject, () => {
      assert.deepEqual(parsePatchSubject(subject), parsed(expected));
    });
  }
});

describe("parsePatchSubject: reply and forward markers", () => {
  for (const marker of ["Re:", "RE:", "re:", "Fwd:", "FWD:", "Fw:", "FW:", "Aw:", "AW:", "Sv:", "SV:", "Antw:", "Odp:", "WG:", "RE :"]) {
    test(`${marker} [PATCH v2 1/3] foo`, () => {
      const subject = parsePatchSubject(`${marker} [PATCH v2 1/3] foo`);
      assert.equal(subject.isReply, true);
      assert.equal(subject.revision, 2);
      assert.equal(subject.title, "foo");
    });
  }
  test("repeated and mixed with brackets", () => {
    const subject = parsePatchSubject("Re: AW: Re: [EXT] Fwd: Re: [RFC PATCH 2/2] foo");
    assert.equal(subject.isReply, true);
    assert.equal(subject.rfc, true);
    assert.deepEqual(subject.prefixes, ["EXT"]);
    assert.equal(subject.title, "foo");
  });
  test("no space after the colon", () => {
    assert.equal(parsePatchSubject("Re:[PATCH] foo").title, "foo");
    assert.equal(parsePatchSubject("Re:[PATCH] foo").isReply, true);
  });
  test("a subsystem name that looks like a marker is the title", () => {
    // "ping" is a networking subsystem; only "Ping: [" nudges a patch.
    assert.deepEqual(parsePatchSubject("ping: fix the socket leak"), parsed({ title: "ping: fix the socket leak" }));
    assert.deepEqual(parsePatchSubject("Result: failure"), parsed({ title: "Result: failure" }));
    assert.equal(parsePatchSubject("Reply: foo").isReply, false);
  });
  test("a marker after the title is part of it", () => {
    assert.deepEqual(parsePatchSubject("[PATCH] foo Re: bar"), parsed({ isPatch: true, title: "foo Re: bar" }));
  });
});

describe("parsePatchSubject: titles and series matching", () => {
  test("a folded header is unfolded", () => {
    // As the corpus carries it: one thread, folded at different places.
    const folded = parsePatchSubject("Re: [PATCH V2 2/2] tpm: Don't duplicate events from the final event\n log in the TCG2 log");
    assert.equal(folded.title, "tpm: Don't duplicate events from the final event log in the TCG2 log");
  });
  test("every version of a patch has one normalized title", () => {
    const versions = [
      "[PATCH] tpm: Don't duplicate events from the final event log in\r\n the TCG2 log",
      "Re: [PATCH V2 2/2] tpm: Don't duplicate events from the final event\n log in the TCG2 log",
      "[PATCH v3 2/2]   tpm: Don't  duplicate events from the FINAL event log in the TCG2 log ",
    ];
    const titles = new Set(versions.map((subject) => parsePatchSubject(subject).normalizedTitle));
    assert.deepEqual([...titles], ["tpm: don't duplicate events from the final event log in the tcg2 log"]);
  });
  test("the title keeps its own spacing; the normalized title collapses it", () => {
    const subject = parsePatchSubject("[PATCH]  tpm:\tfix  it  ");
    assert.equal(subject.title, "tpm:\tfix  it");
    assert.equal(subject.normalizedTitle, "tpm: fix it");
  });
  test("the cover letter is patch 0", () => {
    assert.equal(parsePatchSubject("[PATCH v2 00/10] foo").isCover, true);
    assert.equal(parsePatchSubject("[PATCH v2 01/10] foo").isCover, false);
    assert.equal(parsePatchSubject("[PATCH v2] foo").isCover, false);
  });
  test("the first counter wins", () => {
    const subject = parsePatchSubject("[PATCH 2/5] [3/4] foo");
    assert.equal(subject.counter, 2);
    assert.equal(subject.total, 5);
  });
});

describe("parsePatchSubject on hostile input", () => {
  test("empty and odd subjects", () => {
    assert.deepEqual(parsePatchSubject(""), parsed({ title: "" }));
    assert.deepEqual(parsePatchSubject("   "), parsed({ title: "" }));
    assert.deepEqual(parsePatchSubject("[]"), parsed({ title: "" }));
    assert.deepEqual(parsePatchSubject("["), parsed({ title: "[" }));
    assert.deepEqual(parsePatchSubject("]"), parsed({ title: "]" }));
    assert.deepEqual(parsePatchSubject("[PATCH v2 1/3 unterminated"), parsed({ title: "[PATCH v2 1/3 unterminated" }));
    assert.deepEqual(parsePatchSubject("Re:"), parsed({ isReply: true, title: "" }));
  });
  test("not a string (a header missing at runtime) reads as empty", () => {
    assert.deepEqual(parsePatchSubject(undefined as unknown as string), parsed({ title: "" }));
  });
  test("numbers too long to be versions or counters are prefixes", () => {
    const subject = parsePatchSubject("[PATCH v12345678901234567890 123456/7] foo");
    assert.equal(subject.revision, 1);
    assert.equal(subject.counter, null);
    assert.deepEqual(subject.prefixes, ["v12345678901234567890", "123456/7"]);
  });

  // 100,000 characters each, shaped to make a backtracking parser go
  // quadratic or worse; they must simply come back with a result.
  const SIZE = 100_000;
  const pathological: ReadonlyArray<[string, string]> = [
    ["unclosed brackets", "[".repeat(SIZE)],
    ["reply markers", "Re: ".repeat(SIZE / 4)],
    ["marker-like words", "Reeee".repeat(SIZE / 5)],
    ["a bracket never closed after many words", "[" + "PATCH v2 ".repeat(SIZE / 9)],
    ["many tiny groups", "[x]".repeat(SIZE / 3)],
    ["reply markers before open brackets", "Re:[".repeat(SIZE / 4)],
    ["a huge version", "[PATCH v" + "9".repeat(SIZE) + "] foo"],
    ["glued versions", "[" + "v1-".repeat(SIZE / 3) + "] foo"],
    ["slashes", "[" + "1/".repeat(SIZE / 2) + "] foo"],
    ["nested brackets", "[[".repeat(SIZE / 2) + "]]".repeat(SIZE / 2)],
    ["commas", "[PATCH" + ",".repeat(SIZE) + "] foo"],
  ];
  for (const [name, subject] of pathological) {
    test(`returns on ${name}`, () => {
      const result = parsePatchSubject(subject);
      assert.equal(typeof result.title, "string");
      assert.ok(result.title.length <= subject.length);
    });
  }
  test("a long but well-formed subject still parses", () => {
    const title = "x".repeat(SIZE);
    const subject = parsePatchSubject(`Re: [PATCH v3 4/5] ${title}`);
    assert.equal(subject.revision, 3);
    assert.equal(subject.counter, 4);
    assert.equal(subject.title, title);
  });
});
