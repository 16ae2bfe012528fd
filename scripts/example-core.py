#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Writes the core the README's `gmap translate` examples run on: python3 scripts/example-core.py dump.elf
# A 16 MiB s390x ELF core with the DAT reference's worked example and two CPUs' notes.
import struct, sys
M = bytearray(16 << 20)
def put(a, v): M[a:a+8] = struct.pack('>Q', v)
def fill(o, n, v):
    for i in range(n): put(o + 8*i, v)
R1T, R2T, R3T, ST, PT = 0x10000, 0x14000, 0x18000, 0x1c000, 0x20800
fill(R1T, 2048, 0x2c); fill(R2T, 2048, 0x28); fill(R3T, 2048, 0x24); fill(ST, 2048, 0x20); fill(PT, 256, 0x400)
put(R1T + 9*8, R2T | 0xf); put(R2T + 0xd1*8, R3T | 0xb); put(R3T + 0x2cf*8, ST | 0x7)
put(ST + 0x9a*8, PT); put(ST + 0x9b*8, 0x900000 | 0x400)
put(PT + 0xbc*8, 0xabc000); put(PT + 0xbd*8, 0xabd000 | 0x200); put(PT + 0xc0*8, 0x1000)
def note(name, typ, desc):
    n = name.encode() + b'\0'
    pad = lambda b: b + b'\0' * ((4 - len(b) % 4) % 4)
    return struct.pack('>III', len(n), len(desc), typ) + pad(n) + pad(desc)
def cpu(psw, crs, prefix):
    pr = bytearray(336); pr[112:128] = struct.pack('>QQ', *psw)
    return (note('CORE', 1, bytes(pr)) + note('CORE', 2, bytes(136)) +
            note('LINUX', 0x305, struct.pack('>I', prefix)) +
            note('LINUX', 0x304, struct.pack('>16Q', *crs)) + note('LINUX', 0x301, bytes(8)))
cr0 = 0x800000 | 0x100000
c0 = [cr0, 0x1000f] + [0]*5 + [0x1000f] + [0]*5 + [0x1000f, 0, 0]
c1 = [cr0, 0x1000f] + [0]*5 + [0x20] + [0]*5 + [0x1000f, 0, 0]
notes = cpu((0x0704000180000000, 0x12345), c0, 0) + cpu((0x0704c00180000000, 0x23456), c1, 0x7e000)
phnum = 2; off_notes = 64 + 56*phnum; off_mem = (off_notes + len(notes) + 4095) & ~4095
eh = b'\x7fELF' + bytes([2, 2, 1]) + bytes(9) + struct.pack('>HHIQQQIHHHHHH', 4, 22, 1, 0, 64, 0, 0, 64, 56, phnum, 0, 0, 0)
ph = struct.pack('>IIQQQQQQ', 4, 0, off_notes, 0, 0, len(notes), 0, 0)
ph += struct.pack('>IIQQQQQQ', 1, 7, off_mem, 0, 0, len(M), len(M), 0)
out = bytearray(eh + ph + notes); out += bytes(off_mem - len(out)); out += M
open(sys.argv[1], 'wb').write(out)
