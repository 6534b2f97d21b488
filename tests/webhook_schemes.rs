//! Every signature scheme: the vendors' published test values where they exist,
//! sign → verify round trips over seeded random deliveries, and a one-byte change
//! to the body, the secret, the timestamp or the URL refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apiwatch::webhook::schemes::{
    Delivery, Generic, Invalid, Key, Scheme, Signing, Verifying, hubspot_v3_url, sign, verify,
};

const HUBSPOT_SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

/// `d`'s headers, signed with `key` as of `now` (the scheme's default settings).
fn signed(
    scheme: Scheme,
    key: &str,
    d: &Delivery,
    now: i64,
) -> Result<Vec<(String, String)>, Invalid> {
    sign(
        &Signing {
            scheme,
            key: &Key(key.into()),
            generic: &Generic::default(),
            timestamp: None,
            now,
        },
        d,
    )
}

fn delivery(method: &str, url: &str, body: &[u8]) -> Delivery {
    Delivery {
        method: method.into(),
        url: url.into(),
        body: body.to_vec(),
        headers: Vec::new(),
    }
}

fn verifies(scheme: Scheme, secret: &str, d: &Delivery, signature: &str) -> Result<(), Invalid> {
    verify(
        &Verifying {
            scheme,
            key: &Key(secret.into()),
            generic: &Generic::default(),
            signature: Some(signature.into()),
            timestamp: None,
            now: 0,
            tolerance: None,
        },
        d,
    )
}

#[test]
fn hubspot_v1_and_v2_match_the_published_values() {
    let body = br#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
    let v1 = delivery("POST", "https://www.example.com/webhook_uri", body);
    let expected_v1 = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de";
    assert_eq!(
        verifies(Scheme::HubspotV1, HUBSPOT_SECRET, &v1, expected_v1),
        Ok(())
    );
    let get = delivery("GET", "https://www.example.com/webhook_uri", b"");
    let expected_get = "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e";
    assert_eq!(
        verifies(Scheme::HubspotV2, HUBSPOT_SECRET, &get, expected_get),
        Ok(())
    );
    let post = delivery(
        "POST",
        "https://www.example.com/webhook_uri",
        br#"{"example_field":"example_value"}"#,
    );
    let expected_post = "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900";
    assert_eq!(
        verifies(Scheme::HubspotV2, HUBSPOT_SECRET, &post, expected_post),
        Ok(())
    );
    // And signing gives the same values.
    let headers = sign(
        &Signing {
            scheme: Scheme::HubspotV1,
            key: &Key(HUBSPOT_SECRET.into()),
            generic: &Generic::default(),
            timestamp: None,
            now: 0,
        },
        &v1,
    )
    .unwrap();
    assert!(headers.contains(&("X-HubSpot-Signature".into(), expected_v1.into())));
    assert!(headers.contains(&("X-HubSpot-Signature-Version".into(), "v1".into())));
    assert_eq!(
        verifies(Scheme::HubspotV1, "zzz", &v1, expected_v1),
        Err(Invalid::WrongSignature)
    );
}

#[test]
fn hubspot_v3_decodes_the_documented_characters_only() {
    assert_eq!(
        hubspot_v3_url("https://x.test/hook%3Fa%3Db?email=a%40b.c&n=%2A%20%25"),
        "https://x.test/hook?a%3Db?email=a@b.c&n=*%20%25"
    );
}

/// A small seeded generator, so the round trips cover odd bytes reproducibly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() % 256) as u8).collect()
    }

    fn text(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| b"abcxyz0129-_.~ %&=+"[(self.next() % 19) as usize] as char)
            .collect()
    }
}

/// A SendGrid-style key pair: (private PKCS#8 base64 DER, public SPKI base64 DER).
fn sendgrid_keys() -> (String, String) {
    use base64::Engine as _;
    use p256::pkcs8::EncodePrivateKey;
    let signing = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let der = signing.to_pkcs8_der().unwrap();
    let private = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let public = apiwatch::webhook::schemes::sendgrid_public_key(&private).unwrap();
    (private, public)
}

/// Signs with `sign_key`, then verifies with `verify_key` as of `now`.
fn round(
    scheme: Scheme,
    keys: (&str, &str),
    d: &Delivery,
    now: i64,
    tamper: impl Fn(&mut Delivery, &mut Vec<(String, String)>),
) -> Result<(), Invalid> {
    let generic = Generic {
        header: "X-Acme-Sig".into(),
        prefix: "sha=".into(),
        base64: scheme == Scheme::HmacSha1,
    };
    let mut headers = sign(
        &Signing {
            scheme,
            key: &Key(keys.0.into()),
            generic: &generic,
            timestamp: None,
            now,
        },
        d,
    )?;
    let mut sent = d.clone();
    tamper(&mut sent, &mut headers);
    sent.headers = headers;
    verify(
        &Verifying {
            scheme,
            key: &Key(keys.1.into()),
            generic: &generic,
            signature: None,
            timestamp: None,
            now: now + 10,
            tolerance: None,
        },
        &sent,
    )
}

#[test]
fn every_scheme_round_trips_and_refuses_a_one_byte_change() {
    let (private, public) = sendgrid_keys();
    let mut rng = Rng(2026);
    let now = 1_790_000_000;
    for round_no in 0..40 {
        for &scheme in Scheme::ALL {
            let secret = format!("whsec_{}", rng.text(24));
            let keys = if scheme == Scheme::Sendgrid {
                (private.as_str(), public.as_str())
            } else {
                (secret.as_str(), secret.as_str())
            };
            // Twilio signs form fields; the others sign the raw bytes.
            let body = if scheme == Scheme::Twilio {
                format!("To={}&Body={}&From=%2B15550100", rng.text(8), rng.text(12)).into_bytes()
            } else {
                let n = (rng.next() % 300) as usize;
                rng.bytes(n)
            };
            let url = format!(
                "https://hooks.acme.test/in/{}?x={}",
                rng.text(6),
                rng.text(4)
            );
            let d = delivery("POST", &url, &body);
            let ctx = format!("{} round {round_no}", scheme.name());
            assert_eq!(round(scheme, keys, &d, now, |_, _| {}), Ok(()), "{ctx}");

            // One byte of the body.
            let body_changed = round(scheme, keys, &d, now, |sent, _| {
                if sent.body.is_empty() {
                    sent.body.push(b'x');
                } else {
                    sent.body[0] ^= 0x01;
                }
            });
            assert!(body_changed.is_err(), "{ctx}: a changed body verified");

            // One byte of the secret (SendGrid: another key pair's public key).
            if scheme != Scheme::Sendgrid {
                let mut other = secret.clone().into_bytes();
                other[6] ^= 0x01;
                let other = String::from_utf8(other).unwrap();
                assert_eq!(
                    round(scheme, (keys.0, &other), &d, now, |_, _| {}),
                    Err(Invalid::WrongSignature),
                    "{ctx}: another secret verified"
                );
            }

            // One byte of the URL, for the schemes that sign it.
            let url_changed = round(scheme, keys, &d, now, |sent, _| {
                sent.url = sent.url.replacen("/in/", "/im/", 1);
            });
            assert_eq!(
                url_changed.is_err(),
                scheme.signs_url(),
                "{ctx}: URL change"
            );

            // One digit of the timestamp, for the schemes that sign one.
            if scheme.timed() {
                let ts_changed = round(scheme, keys, &d, now, |_, headers| {
                    for (k, v) in headers.iter_mut() {
                        if Some(k.as_str()) == scheme.timestamp_header() {
                            *v = v.replacen(char::is_numeric, "1", 1).replace("11", "19");
                            let last = v.pop().unwrap();
                            v.push(if last == '1' { '2' } else { '1' });
                        } else if scheme == Scheme::Stripe {
                            *v = v.replacen("t=179", "t=178", 1);
                        }
                    }
                });
                assert!(ts_changed.is_err(), "{ctx}: a changed timestamp verified");
            }
        }
    }
}

#[test]
fn stale_deliveries_are_refused_and_stripe_accepts_any_v1() {
    let secret = "whsec_test";
    let d = delivery(
        "POST",
        "https://hooks.acme.test/stripe",
        br#"{"id":"evt_1"}"#,
    );
    let at = 1_790_000_000;
    let headers = signed(Scheme::Stripe, secret, &d, at).unwrap();
    let header = headers[0].1.clone();
    let check = |signature: &str, now: i64| {
        verify(
            &Verifying {
                scheme: Scheme::Stripe,
                key: &Key(secret.into()),
                generic: &Generic::default(),
                signature: Some(signature.into()),
                timestamp: None,
                now,
                tolerance: None,
            },
            &d,
        )
    };
    assert_eq!(check(&header, at + 299), Ok(()));
    assert_eq!(
        check(&header, at + 301),
        Err(Invalid::Stale {
            age: 301,
            tolerance: 300
        })
    );
    // A rolled secret: the old signature first, the right one second.
    let (t, v1) = header.split_once(",v1=").unwrap();
    let two = format!("{t},v1={},v1={v1},v0=ignored", "00".repeat(32));
    assert_eq!(check(&two, at), Ok(()));
    assert_eq!(
        check(t, at),
        Err(Invalid::Malformed("no `v1=` in Stripe-Signature".into()))
    );
    // HubSpot v3 counts milliseconds.
    let v3 = signed(Scheme::HubspotV3, secret, &d, at).unwrap();
    assert!(v3.contains(&("X-HubSpot-Request-Timestamp".into(), "1790000000000".into())));
}

#[test]
fn a_space_for_a_plus_in_base64_is_forgiven_and_twilio_json_needs_its_body_hash() {
    let secret = "twilio-auth-token";
    // A body whose Shopify signature has a `+` in it.
    let mut n = 0u32;
    let (d, sig) = loop {
        let d = delivery(
            "POST",
            "https://x.test/shop",
            format!("{{\"n\":{n}}}").as_bytes(),
        );
        let h = signed(Scheme::Shopify, secret, &d, 0).unwrap();
        if h[0].1.contains('+') {
            break (d, h[0].1.clone());
        }
        n += 1;
    };
    assert_eq!(
        verifies(Scheme::Shopify, secret, &d, &sig.replace('+', " ")),
        Ok(())
    );

    let json = delivery(
        "POST",
        "https://x.test/status",
        br#"{"MessageStatus":"sent"}"#,
    );
    let refused = signed(Scheme::Twilio, secret, &json, 0);
    assert!(
        matches!(&refused, Err(Invalid::Malformed(m)) if m.contains("bodySHA256=")),
        "{refused:?}"
    );
    use sha2::Digest as _;
    let hash = apiwatch::webhook::schemes::hex(&sha2::Sha256::digest(&json.body));
    let with_hash = delivery(
        "POST",
        &format!("https://x.test/status?bodySHA256={hash}"),
        &json.body,
    );
    let signed = signed(Scheme::Twilio, secret, &with_hash, 0).unwrap();
    assert_eq!(
        verifies(Scheme::Twilio, secret, &with_hash, &signed[0].1),
        Ok(())
    );
    let mut other_body = with_hash.clone();
    other_body.body = br#"{"MessageStatus":"failed"}"#.to_vec();
    assert_eq!(
        verifies(Scheme::Twilio, secret, &other_body, &signed[0].1),
        Err(Invalid::BodyHash)
    );
}
