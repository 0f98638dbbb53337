//! The decoder: each coding, stacked codings, bombs, corrupt and truncated streams,
//! unknown codings, and how the header is read.

use std::io::Write as _;

use super::*;

const JSON: &[u8] = br#"{"user":{"password":"SECRETpw1","name":"Ann"},"items":[1,2,3]}"#;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn br(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    enc.write_all(data).unwrap();
    drop(enc);
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

fn encode(coding: Coding, data: &[u8]) -> Vec<u8> {
    match coding {
        Coding::Gzip => gzip(data),
        Coding::Deflate => zlib(data),
        Coding::Brotli => br(data),
        Coding::Zstd => zstd(data),
    }
}

const ALL: [Coding; 4] = [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd];

fn headers(lines: &[&[u8]]) -> CapturedHeaders {
    let mut h = CapturedHeaders::new();
    for line in lines {
        h.append("Content-Encoding", line);
    }
    h
}

#[test]
fn each_coding_decodes() {
    for coding in ALL {
        let encoded = encode(coding, JSON);
        assert_ne!(encoded, JSON);
        assert_eq!(
            decode(&encoded, &[coding], 1 << 20).unwrap(),
            JSON,
            "{coding:?}"
        );
    }
}

#[test]
fn deflate_accepts_zlib_and_raw_deflate() {
    assert!(has_zlib_header(&zlib(JSON)));
    assert!(!has_zlib_header(&raw_deflate(JSON)));
    for body in [zlib(JSON), raw_deflate(JSON)] {
        assert_eq!(decode(&body, &[Coding::Deflate], 1024).unwrap(), JSON);
    }
}

#[test]
fn concatenated_gzip_members_and_zstd_frames_are_one_body() {
    let mut two = gzip(b"{\"a\":");
    two.extend(gzip(b"1}"));
    assert_eq!(decode(&two, &[Coding::Gzip], 64).unwrap(), b"{\"a\":1}");
    let mut frames = zstd(b"{\"a\":");
    // A skippable frame (magic 0x184D2A50, 3 bytes of user data) between two frames.
    frames.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    frames.extend(zstd(b"1}"));
    assert_eq!(decode(&frames, &[Coding::Zstd], 64).unwrap(), b"{\"a\":1}");
}

#[test]
fn stacked_codings_decode_right_to_left() {
    // `Content-Encoding: gzip, br`: gzip applied first, then br.
    let body = br(&gzip(JSON));
    let h = headers(&[b"gzip, br"]);
    let Codings::Known(codings) = Codings::of(&h) else {
        panic!("known codings")
    };
    assert_eq!(codings, [Coding::Gzip, Coding::Brotli]);
    assert_eq!(codings_text(&codings), "gzip, br");
    assert_eq!(decode(&body, &codings, 1024).unwrap(), JSON);
    // Every pair, in both orders, and four deep.
    for a in ALL {
        for b in ALL {
            let body = encode(b, &encode(a, JSON));
            assert_eq!(decode(&body, &[a, b], 1024).unwrap(), JSON, "{a:?} {b:?}");
        }
    }
    let four = zstd(&br(&zlib(&gzip(JSON))));
    assert_eq!(decode(&four, &ALL, 1024).unwrap(), JSON);
}

#[test]
fn several_header_lines_concatenate() {
    let h = headers(&[b"gzip", b" zstd "]);
    assert_eq!(
        Codings::of(&h),
        Codings::Known(vec![Coding::Gzip, Coding::Zstd])
    );
    let body = zstd(&gzip(JSON));
    assert_eq!(
        decode(&body, &[Coding::Gzip, Coding::Zstd], 1024).unwrap(),
        JSON
    );
}

#[test]
fn header_tokens_any_case_with_whitespace_identity_and_empty_elements() {
    for (line, expected) in [
        (&b"GZIP"[..], vec![Coding::Gzip]),
        (b"X-Gzip", vec![Coding::Gzip]),
        (b" \tDeflate\t ", vec![Coding::Deflate]),
        (b"BR", vec![Coding::Brotli]),
        (b"ZStd", vec![Coding::Zstd]),
        (
            b"identity, gzip,, Identity ,br",
            vec![Coding::Gzip, Coding::Brotli],
        ),
    ] {
        assert_eq!(
            Codings::of(&headers(&[line])),
            Codings::Known(expected),
            "{line:?}"
        );
    }
    for identity in [&b""[..], b"identity", b" IDENTITY ", b",", b" , identity ,"] {
        assert_eq!(Codings::of(&headers(&[identity])), Codings::Identity);
    }
    assert_eq!(Codings::of(&CapturedHeaders::new()), Codings::Identity);
}

#[test]
fn an_unknown_coding_anywhere_makes_the_list_unknown() {
    for line in [
        &b"compress"[..],
        b"x-compress",
        b"gzip, aes128gcm",
        b"exi, br",
        b"gzip;q=1",
        b"\xffgzip",
    ] {
        assert_eq!(Codings::of(&headers(&[line])), Codings::Unknown, "{line:?}");
    }
    assert_eq!(
        Codings::of(&headers(&[b"gzip", b"snappy"])),
        Codings::Unknown
    );
}

#[test]
fn output_is_bounded_by_the_cap_for_every_coding() {
    let data = vec![b'a'; 10_000];
    for coding in ALL {
        let encoded = encode(coding, &data);
        assert_eq!(decode(&encoded, &[coding], 10_000).unwrap(), data);
        assert_eq!(
            decode(&encoded, &[coding], 9_999),
            Err(DecodeError::TooLarge(9_999)),
            "{coding:?}"
        );
    }
    // An inner layer is bounded too.
    let stacked = br(&gzip(&data));
    assert_eq!(
        decode(&stacked, &[Coding::Gzip, Coding::Brotli], 5_000),
        Err(DecodeError::TooLarge(5_000))
    );
}

/// A 200 MB gzip bomb of zeros, built here: 200 concatenated members of 1 MiB of zeros
/// each (one body, RFC 1952), about 200 KB. Decoding stops one byte past the cap
/// instead of inflating 200 MB.
#[test]
fn a_200_mb_gzip_bomb_is_bounded() {
    let zeros = vec![0u8; 1 << 20];
    let member = gzip(&zeros);
    let bomb = member.repeat(200);
    assert!(bomb.len() < 1 << 20, "{} bytes compressed", bomb.len());
    let cap = 1 << 20;
    let err = decode(&bomb, &[Coding::Gzip], cap).unwrap_err();
    assert_eq!(err, DecodeError::TooLarge(cap));
    assert_eq!(
        err.placeholder(&[Coding::Gzip], bomb.len()),
        b"[DECODED_BODY_TOO_LARGE over 1048576 bytes]"
    );
    // Bombs of every other coding, 4 MiB of zeros each (zstd: 200 frames of 1 MiB).
    let zeros4 = vec![0u8; 4 << 20];
    for (coding, bomb) in [
        (Coding::Deflate, zlib(&zeros4)),
        (Coding::Brotli, br(&zeros4)),
        (Coding::Zstd, zstd(&zeros).repeat(200)),
    ] {
        assert!(bomb.len() < 1 << 20, "{coding:?}: {} bytes", bomb.len());
        assert_eq!(
            decode(&bomb, &[coding], cap),
            Err(DecodeError::TooLarge(cap)),
            "{coding:?}"
        );
    }
}

#[test]
fn corrupt_streams_fail() {
    for coding in ALL {
        let mut body = encode(coding, JSON);
        let middle = body.len() / 2;
        for b in &mut body[middle - 4..middle + 4] {
            *b ^= 0x5a;
        }
        let result = decode(&body, &[coding], 1024);
        // A flipped byte may still decode to other bytes in a coding without a checksum
        // (br, zstd without its optional one): never the original.
        assert_ne!(result.as_deref(), Ok(JSON), "{coding:?}");
        if matches!(coding, Coding::Gzip | Coding::Deflate) {
            assert_eq!(result, Err(DecodeError::Corrupt(coding)), "{coding:?}");
        }
    }
    for coding in ALL {
        for garbage in [&b"not compressed at all"[..], b"\x00", b"{\"a\":1}"] {
            assert_eq!(
                decode(garbage, &[coding], 1024),
                Err(DecodeError::Corrupt(coding)),
                "{coding:?} {garbage:?}"
            );
        }
    }
}

#[test]
fn truncated_streams_fail() {
    let data: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
    for coding in ALL {
        let body = encode(coding, &data);
        for cut in [1, 2, body.len() / 2, body.len() - 1] {
            assert_eq!(
                decode(&body[..cut], &[coding], 1 << 20),
                Err(DecodeError::Corrupt(coding)),
                "{coding:?} cut at {cut} of {}",
                body.len()
            );
        }
    }
    let raw = raw_deflate(&data);
    assert_eq!(
        decode(&raw[..raw.len() - 1], &[Coding::Deflate], 1 << 20),
        Err(DecodeError::Corrupt(Coding::Deflate))
    );
}

#[test]
fn bytes_after_the_stream_are_corrupt_except_after_br() {
    for coding in [Coding::Gzip, Coding::Deflate, Coding::Zstd] {
        let mut body = encode(coding, JSON);
        body.extend_from_slice(b"trailing");
        assert_eq!(
            decode(&body, &[coding], 1024),
            Err(DecodeError::Corrupt(coding)),
            "{coding:?}"
        );
    }
    // The br reader stops at the end of its stream, as browsers do: what follows is
    // dropped, never shipped.
    let mut body = br(JSON);
    body.extend_from_slice(b"trailing");
    assert_eq!(decode(&body, &[Coding::Brotli], 1024).unwrap(), JSON);
}

#[test]
fn the_failing_layer_is_named() {
    // `gzip, br` where the br layer is fine and the gzip inside it is not.
    let body = br(b"not gzip");
    let err = decode(&body, &[Coding::Gzip, Coding::Brotli], 1024).unwrap_err();
    assert_eq!(err, DecodeError::Corrupt(Coding::Gzip));
    assert_eq!(
        err.placeholder(&[Coding::Gzip, Coding::Brotli], body.len()),
        format!("[UNDECODABLE_BODY gzip {} bytes]", body.len()).into_bytes()
    );
}

#[test]
fn more_than_four_layers_are_refused_without_decoding() {
    let five = [Coding::Gzip; MAX_CODINGS + 1];
    let mut body = JSON.to_vec();
    for _ in 0..five.len() {
        body = gzip(&body);
    }
    let err = decode(&body, &five, 1 << 20).unwrap_err();
    assert_eq!(err, DecodeError::TooManyCodings);
    assert_eq!(
        err.placeholder(&five, body.len()),
        format!(
            "[UNDECODABLE_BODY gzip, gzip, gzip, gzip, gzip {} bytes]",
            body.len()
        )
        .into_bytes()
    );
    assert_eq!(
        decode(&gzip(&gzip(&gzip(&gzip(JSON)))), &five[..4], 1024).unwrap(),
        JSON
    );
}

#[test]
fn empty_payloads_of_each_coding_decode_to_nothing() {
    for coding in ALL {
        assert_eq!(decode(&encode(coding, b""), &[coding], 0).unwrap(), b"");
    }
    assert_eq!(
        decode(JSON, &[], 8).unwrap(),
        JSON,
        "identity passes through"
    );
}

/// flate2's own multi-member reader, what `gunzip` replaced: the reference it must agree
/// with (same bytes, same failure kind) on every input below.
fn flate2_gunzip(input: &[u8], cap: usize) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let reader = flate2::bufread::MultiGzDecoder::new(input).take(cap as u64 + 1);
    match std::io::Read::read_to_end(&mut { reader }, &mut out) {
        Ok(_) if out.len() > cap => Err("too large"),
        Ok(_) => Ok(out),
        Err(_) => Err("corrupt"),
    }
}

fn ours(input: &[u8], cap: usize) -> Result<Vec<u8>, &'static str> {
    gunzip(input, cap).map_err(|f| match f {
        Failure::TooLarge => "too large",
        Failure::Corrupt => "corrupt",
    })
}

/// A gzip member with every optional header field flate2's builder can write.
fn gzip_with_header(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .filename("body.json")
        .comment("a comment")
        .extra(vec![1, 2, 3, 4])
        .write(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gunzip_agrees_with_flate2_on_members_headers_truncations_and_damage() {
    let big: Vec<u8> = JSON.iter().copied().cycle().take(70_000).collect();
    let mut cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        gzip(b""),
        gzip(JSON),
        gzip(&big),
        gzip_with_header(JSON),
        [gzip(JSON), gzip_with_header(b"second"), gzip(b"")].concat(),
        [gzip(JSON), vec![0, 0, 0]].concat(),
        [gzip(JSON), b"trailing".to_vec()].concat(),
    ];
    // The header CRC (FHCRC), right and wrong.
    let mut hcrc = gzip(JSON);
    hcrc[3] |= 1 << 1;
    let header_crc = (crc32fast::hash(&hcrc[..10]) as u16).to_le_bytes();
    hcrc.splice(10..10, header_crc);
    cases.push(hcrc.clone());
    hcrc[10] ^= 1;
    cases.push(hcrc);
    // A reserved flag, another method, a wrong CRC-32 and a wrong length.
    for (at, bit) in [(3, 0x20), (2, 0x01)] {
        let mut bad = gzip(JSON);
        bad[at] ^= bit;
        cases.push(bad);
    }
    for from_end in [8, 1] {
        let mut bad = gzip(JSON);
        let i = bad.len() - from_end;
        bad[i] ^= 0x40;
        cases.push(bad);
    }
    // Every truncation of a member with all header fields, and of two members.
    let full = [gzip_with_header(JSON), gzip(JSON)].concat();
    for end in 0..full.len() {
        cases.push(full[..end].to_vec());
    }
    for case in &cases {
        for cap in [usize::MAX - 1, JSON.len(), JSON.len() - 1, 10] {
            assert_eq!(
                ours(case, cap),
                flate2_gunzip(case, cap),
                "{case:?} cap {cap}"
            );
        }
    }
}

#[test]
fn the_inflater_is_reused_across_bodies_and_codings() {
    // Interleaved gzip and zlib bodies on one thread: each starts from a reset state.
    for round in 0..3 {
        let data = format!("{{\"round\":{round}}}");
        assert_eq!(
            decode(&gzip(data.as_bytes()), &[Coding::Gzip], 1 << 20).unwrap(),
            data.as_bytes()
        );
        assert_eq!(
            decode(&zlib(data.as_bytes()), &[Coding::Deflate], 1 << 20).unwrap(),
            data.as_bytes()
        );
        assert_eq!(
            decode(&raw_deflate(data.as_bytes()), &[Coding::Deflate], 1 << 20).unwrap(),
            data.as_bytes()
        );
        assert!(decode(&gzip(data.as_bytes())[..12], &[Coding::Gzip], 1 << 20).is_err());
    }
}
