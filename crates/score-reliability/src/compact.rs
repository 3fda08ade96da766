//! Compact serde forms for what the observation ships between tasks of a cluster run: 32-bit
//! hashes as 4 raw bytes each (a varint takes 5 for most hashes) and numbers as small as they
//! can be written exactly (an integer as a varint, else an `f32` when that is exact, else the
//! `f64`). Both read back exactly what was written.

use serde::de::{Error, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "crate::compact::hashes")]` for a `Vec<u32>` of hashes.
pub mod hashes {
    use super::*;

    /// Writes the hashes as one byte string, 4 little-endian bytes each.
    pub fn serialize<S: Serializer>(hashes: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        serializer.serialize_bytes(&bytes)
    }

    /// Reads what [`serialize`] wrote (or a plain sequence of numbers).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        deserializer.deserialize_bytes(HashesVisitor)
    }

    struct HashesVisitor;

    impl<'de> Visitor<'de> for HashesVisitor {
        type Value = Vec<u32>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("32-bit hashes, 4 bytes each")
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<u32>, E> {
            if !bytes.len().is_multiple_of(4) {
                return Err(E::custom(format!(
                    "{} bytes of hashes is not a multiple of 4",
                    bytes.len()
                )));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u32>, A::Error> {
            let mut out = Vec::new();
            while let Some(h) = seq.next_element()? {
                out.push(h);
            }
            Ok(out)
        }
    }
}

/// A number in the fewest bytes that keep it exactly.
#[derive(Serialize, Deserialize)]
enum Number {
    /// An integer (as a zigzag varint).
    Integer(i64),
    /// A fraction an `f32` holds exactly.
    Single(f32),
    /// Any other `f64`.
    Double(f64),
}

/// `#[serde(with = "crate::compact::number")]` for an `f64`.
pub mod number {
    use super::*;

    /// Integers below 2^53 are exact in an `f64`.
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

    /// Writes the value in its smallest exact form.
    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        let v = *value;
        let negative_zero = v == 0.0 && v.is_sign_negative();
        let number = if v.fract() == 0.0 && v.abs() < EXACT_INTEGERS && !negative_zero {
            Number::Integer(v as i64)
        } else if f64::from(v as f32).to_bits() == v.to_bits() {
            Number::Single(v as f32)
        } else {
            Number::Double(v)
        };
        number.serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(match Number::deserialize(deserializer)? {
            Number::Integer(i) => i as f64,
            Number::Single(f) => f64::from(f),
            Number::Double(d) => d,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Both {
        #[serde(with = "super::hashes")]
        hashes: Vec<u32>,
        #[serde(with = "super::number")]
        number: f64,
    }

    #[test]
    fn values_read_back_exactly_and_smaller() {
        for number in [
            0.0,
            -0.0,
            400.0,
            -360.0,
            0.5,
            28.8,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let value = Both {
                hashes: vec![0, 7, u32::MAX, 0xDEAD_BEEF],
                number,
            };
            let bytes = postcard::to_stdvec(&value).unwrap();
            let back: Both = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back.hashes, value.hashes);
            assert_eq!(back.number.to_bits(), number.to_bits(), "{number}");
        }
        let small = Both {
            hashes: vec![u32::MAX; 10],
            number: 440.0,
        };
        // 1 length byte + 40 hash bytes, then a tag and a 2-byte varint.
        assert_eq!(postcard::to_stdvec(&small).unwrap().len(), 1 + 40 + 1 + 2);
        let nan = Both {
            hashes: vec![],
            number: f64::NAN,
        };
        let back: Both = postcard::from_bytes(&postcard::to_stdvec(&nan).unwrap()).unwrap();
        assert!(back.number.is_nan());
        assert!(postcard::from_bytes::<Both>(&[3, 1, 2, 3, 0, 0]).is_err());
    }
}
