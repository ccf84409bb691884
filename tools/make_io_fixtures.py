#!/usr/bin/python3
"""Make the small reader fixtures in tests/fixtures/io/ (run with /usr/bin/python3: needs numpy, h5py).

    /usr/bin/python3 tools/make_io_fixtures.py [OUT_DIR]

Every fixture holds the same deterministic cube, `expected_yxE_f32.npy` (H=4 rows, W=5
columns, E=6 energies, float32, pixel-major H×W×E) with `energies.txt`, written in other
layouts and formats:

  tiff/<dtype>_<endian>_<compression>.tif   multi-page TIFF, page = energy, written by the
                                            small TIFF writer below (classic and BigTIFF,
                                            none / Deflate / LZW / PackBits, predictor 2)
  series/e_<n>.tif                          one file per energy (12 energies: natural order e_2 < e_10)
  h5/nxstxm.h5      NXentry/NXdata, data (E, y, x) int16, axes energy/sample_y/sample_x (µm),
                    NXmonitor I0 (control/data), ring current; gzip-compressed chunks
  h5/nxdata_yxe.h5  NXdata with @signal, @axes = [y, x, energy], float32
  h5/plain.h5       no NeXus attributes: one 3-D dataset /scan/cube (y, x, E) and /scan/energy
  npz/stored.npz, npz/deflated.npz   numpy.savez / savez_compressed with 'stack' (H, W, E) and 'energy'

Integer fixtures store round(cube) (the expected values are then integers; see INT_NOTE).
"""
import os
import struct
import sys
import zlib

import h5py
import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'io')
H, W, E = 4, 5, 6
ENERGIES = np.array([700.0, 700.5, 701.0, 702.25, 705.0, 710.125])


def cube():
    y, x, e = np.meshgrid(np.arange(H), np.arange(W), np.arange(E), indexing='ij')
    return (10 * y + x + 0.25 * e * e + 100).astype(np.float32)  # 100..~140, exact in float32


def lzw_encode(data):
    """TIFF LZW (MSB-first codes, early change), as libtiff writes it."""
    out = []
    acc = 0
    nacc = 0
    code_len = 9

    def put(code):
        nonlocal acc, nacc
        acc = (acc << code_len) | code
        nacc += code_len
        while nacc >= 8:
            nacc -= 8
            out.append((acc >> nacc) & 0xFF)
        acc &= (1 << nacc) - 1

    table = {bytes([i]): i for i in range(256)}
    nxt = 258
    put(256)
    w = b''
    for b in data:
        wc = w + bytes([b])
        if wc in table:
            w = wc
            continue
        put(table[w])
        table[wc] = nxt
        nxt += 1
        if nxt >= (1 << code_len) and code_len < 12:
            code_len += 1
        if nxt >= 4094:
            put(256)
            table = {bytes([i]): i for i in range(256)}
            nxt = 258
            code_len = 9
        w = bytes([b])
    if w:
        put(table[w])
    put(257)
    if nacc:
        out.append((acc << (8 - nacc)) & 0xFF)
    return bytes(out)


def packbits_encode(data):
    out = bytearray()
    i = 0
    while i < len(data):
        j = i
        while j + 1 < len(data) and data[j + 1] == data[i] and j - i < 127:
            j += 1
        if j > i:
            out += struct.pack('b', -(j - i)) + data[i:i + 1]
            i = j + 1
        else:
            k = i
            while k < len(data) and k - i < 128 and not (k + 1 < len(data) and data[k + 1] == data[k]):
                k += 1
            k = max(k, i + 1)
            out += struct.pack('b', k - i - 1) + data[i:k]
            i = k
    return bytes(out)


def write_tiff(path, pages, dtype, big_endian=False, compression=1, predictor=1, rows_per_strip=2, bigtiff=False, description=None):
    """Write 2-D arrays `pages` as a TIFF (one page each) with the given sample dtype."""
    bo = '>' if big_endian else '<'
    dt = np.dtype(dtype).newbyteorder(bo)
    fmt = {'u': 1, 'i': 2, 'f': 3}[dt.kind]
    bits = dt.itemsize * 8
    body = bytearray()
    header_len = 16 if bigtiff else 8
    ifd_offsets = []
    entries_per_page = []
    for pi, page in enumerate(pages):
        h, w = page.shape
        strips = []
        for r in range(0, h, rows_per_strip):
            block = np.ascontiguousarray(page[r:r + rows_per_strip]).astype(dt)
            if predictor == 2:
                block = block.astype(dt)
                d = block.copy()
                d[:, 1:] = (block[:, 1:].astype(np.int64) - block[:, :-1].astype(np.int64)).astype(dt)
                block = d
            raw = block.tobytes()
            if compression == 8:
                raw = zlib.compress(raw)
            elif compression == 5:
                raw = lzw_encode(raw)
            elif compression == 32773:
                raw = packbits_encode(raw)
            strips.append(raw)
        offs = []
        for s in strips:
            offs.append(header_len + len(body))
            body += s
            if len(body) % 2:
                body += b'\0'
        tags = [(256, 4, [w]), (257, 4, [h]), (258, 3, [bits]), (259, 3, [compression]), (262, 3, [1])]
        if description is not None and pi == 0:
            tags.append((270, 2, description.encode() + b'\0'))
        tags += [(273, 16 if bigtiff else 4, offs), (277, 3, [1]), (278, 4, [rows_per_strip]),
                 (279, 16 if bigtiff else 4, [len(s) for s in strips]), (284, 3, [1])]
        if predictor != 1:
            tags.append((317, 3, [predictor]))
        tags.append((339, 3, [fmt]))
        entries_per_page.append(tags)
    # directories after the data
    tsize = {2: 1, 3: 2, 4: 4, 16: 8}
    tcode = {3: 'H', 4: 'I', 16: 'Q'}
    inline = 8 if bigtiff else 4
    for tags in entries_per_page:
        # out-of-line values first
        resolved = []
        for tag, typ, vals in tags:
            raw = vals if typ == 2 else struct.pack(bo + tcode[typ] * len(vals), *vals)
            count = len(vals)
            if len(raw) > inline:
                off = header_len + len(body)
                body += raw
                if len(body) % 2:
                    body += b'\0'
                resolved.append((tag, typ, count, None, off))
            else:
                resolved.append((tag, typ, count, raw.ljust(inline, b'\0'), None))
        ifd_offsets.append(header_len + len(body))
        if bigtiff:
            ifd = struct.pack(bo + 'Q', len(resolved))
        else:
            ifd = struct.pack(bo + 'H', len(resolved))
        for tag, typ, count, raw, off in resolved:
            if bigtiff:
                ifd += struct.pack(bo + 'HHQ', tag, typ, count) + (raw if raw is not None else struct.pack(bo + 'Q', off))
            else:
                ifd += struct.pack(bo + 'HHI', tag, typ, count) + (raw if raw is not None else struct.pack(bo + 'I', off))
        ifd += b'\0' * (8 if bigtiff else 4)  # next-IFD, patched below
        body += ifd
    # patch next-IFD pointers
    for k, at in enumerate(ifd_offsets):
        n = len(entries_per_page[k])
        pos = at - header_len + (8 if bigtiff else 2) + n * (20 if bigtiff else 12)
        nxt = ifd_offsets[k + 1] if k + 1 < len(ifd_offsets) else 0
        body[pos:pos + (8 if bigtiff else 4)] = struct.pack(bo + ('Q' if bigtiff else 'I'), nxt)
    if bigtiff:
        head = (b'MM' if big_endian else b'II') + struct.pack(bo + 'HHHQ', 43, 8, 0, ifd_offsets[0])
    else:
        head = (b'MM' if big_endian else b'II') + struct.pack(bo + 'HI', 42, ifd_offsets[0])
    with open(path, 'wb') as f:
        f.write(head + bytes(body))


def main():
    c = cube()
    for d in ('tiff', 'series', 'h5', 'npz'):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    np.save(os.path.join(OUT, 'expected_yxE_f32.npy'), c)
    np.savetxt(os.path.join(OUT, 'energies.txt'), ENERGIES, fmt='%.6f')
    pages = [c[:, :, e] for e in range(E)]
    ipages = [np.round(p) for p in pages]
    cases = [
        ('float32', False, 1, 1, False, pages), ('float32', True, 1, 1, False, pages),
        ('float64', False, 8, 1, False, pages), ('float64', True, 5, 1, False, pages),
        ('uint8', False, 1, 1, False, ipages), ('uint8', False, 32773, 1, False, ipages),
        ('uint16', True, 1, 1, False, ipages), ('uint16', False, 8, 2, False, ipages),
        ('int16', False, 5, 2, False, ipages), ('int16', True, 1, 1, True, ipages),
        ('uint32', False, 5, 1, False, ipages), ('int32', True, 8, 1, False, ipages),
        ('float32', False, 5, 1, True, pages),
    ]
    names = []
    for dtype, be, comp, pred, big, pg in cases:
        cname = {1: 'none', 5: 'lzw', 8: 'deflate', 32773: 'packbits'}[comp]
        name = f"{dtype}_{'be' if be else 'le'}_{cname}{'_pred' if pred == 2 else ''}{'_bigtiff' if big else ''}.tif"
        write_tiff(os.path.join(OUT, 'tiff', name), pg, dtype, big_endian=be, compression=comp, predictor=pred, bigtiff=big)
        names.append(name)
    # series: 12 energies, one file each (natural order matters: e_2 < e_10)
    y, x = np.meshgrid(np.arange(H), np.arange(W), indexing='ij')
    for k in range(12):
        write_tiff(os.path.join(OUT, 'series', f'e_{k + 1}.tif'), [(y * 10 + x + k).astype(np.float32)], 'float32')
    # HDF5
    with h5py.File(os.path.join(OUT, 'h5', 'nxstxm.h5'), 'w') as f:
        f.attrs['default'] = 'entry1'
        en = f.create_group('entry1')
        en.attrs['NX_class'] = 'NXentry'
        en.attrs['default'] = 'counts'
        en['definition'] = 'NXstxm'
        g = en.create_group('counts')
        g.attrs['NX_class'] = 'NXdata'
        g.attrs['signal'] = 'data'
        g.attrs['axes'] = ['energy', 'sample_y', 'sample_x']
        g.create_dataset('data', data=np.round(np.transpose(c, (2, 0, 1))).astype('<i2'), chunks=(1, H, W), compression='gzip')
        g['energy'] = ENERGIES
        g['energy'].attrs['units'] = 'eV'
        g['sample_y'] = np.arange(H) * 0.5
        g['sample_y'].attrs['units'] = 'um'
        g['sample_x'] = 10 + np.arange(W) * 0.5
        g['sample_x'].attrs['units'] = 'um'
        mon = en.create_group('control')
        mon.attrs['NX_class'] = 'NXmonitor'
        mon['data'] = np.linspace(1000, 1100, E)
        inst = en.create_group('instrument')
        inst.attrs['NX_class'] = 'NXinstrument'
        src = inst.create_group('source')
        src['ring_current'] = np.linspace(400, 399, E)
    with h5py.File(os.path.join(OUT, 'h5', 'nxdata_yxe.h5'), 'w') as f:
        en = f.create_group('entry')
        en.attrs['NX_class'] = 'NXentry'
        g = en.create_group('data')
        g.attrs['NX_class'] = 'NXdata'
        g.attrs['signal'] = 'cube'
        g.attrs['axes'] = ['y', 'x', 'photon_energy']
        g['cube'] = c
        g['photon_energy'] = ENERGIES
        g['x'] = np.arange(W, dtype=float)
        g['y'] = np.arange(H, dtype=float)
    with h5py.File(os.path.join(OUT, 'h5', 'plain.h5'), 'w') as f:
        s = f.create_group('scan')
        s['cube'] = c.astype('<f8')
        s['energy'] = ENERGIES
    np.savez(os.path.join(OUT, 'npz', 'stored.npz'), stack=c, energy=ENERGIES)
    np.savez_compressed(os.path.join(OUT, 'npz', 'deflated.npz'), stack=c.astype('<f8'), energy=ENERGIES, note=np.arange(3, dtype='<f4'))
    print('wrote', len(names), 'TIFFs, 12 series files, 3 HDF5, 2 npz into', os.path.abspath(OUT))


if __name__ == '__main__':
    main()
