//! [`PreparedKey`]: an ES256 public key with its precomputed table, and the raw signature check.

use super::generator::GeneratorTable;
#[cfg(any(not(target_pointer_width = "64"), test))]
use super::point::Jacobian;
use super::point::{Affine, Fe};
#[cfg(target_pointer_width = "64")]
use super::point64::{Jacobian64, x_matches as x_matches64};
use super::table::{KEY_CHUNK, Table, mul_add};
#[cfg(doc)]
use crate::Es256Key;
use crate::key::Kid;
use crate::verifier::Verifier;
use core::fmt;
use p256::ecdsa::Signature;
use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::ops::Reduce;
use p256::{FieldBytes, Scalar};

/// `p − n` (big-endian): `r + n` is a field element, and a possible x, only when `r < p − n`.
pub(super) const P_MINUS_N: [u8; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x43, 0x19, 0x05, 0x53, 0x58, 0xe8, 0x61, 0x7b,
    0x0c, 0x46, 0x35, 0x3d, 0x03, 0x9c, 0xda, 0xae,
];

/// The group order `n` as a field element (`n < p`).
pub(super) const ORDER: Fe =
    Fe::from_hex_vartime("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/// An ES256 public key prepared for fast verification: the key, a table of multiples of its
/// point `Q` (owned), and a shared table of multiples of the generator `G` (borrowed).
///
/// See the [crate-level section on prepared keys](crate#prepared-keys) for the method, the
/// profiles and their sizes. `W`, `S` and `N` are the table shape (window bits, passes,
/// points); use the aliases [`LargeTableKey`](crate::LargeTableKey) and [`SmallTableKey`](crate::SmallTableKey).
///
/// # Security
///
/// **Variable-time.** The arithmetic branches on and indexes tables by the scalars and
/// coordinates it computes. That is safe here only because everything an ES256 *verification*
/// handles is public: the public key, the message and the signature. **Never use this code, or
/// copy it, for signing or anything involving a private key**: its timing would leak the
/// secret.
///
/// A `PreparedKey` accepts and rejects exactly what an [`Es256Key`] does (the test suite
/// checks all Wycheproof P-256 vectors and a differential test against p256 on random and edge
/// cases).
#[derive(Clone)]
pub struct PreparedKey<'g, const W: usize, const S: usize, const N: usize> {
    generator: &'g GeneratorTable<W, S, N>,
    pub(super) table: Table<W, S, N>,
    pub(super) kid: Option<Kid>,
}

impl<const W: usize, const S: usize, const N: usize> fmt::Debug for PreparedKey<'_, W, S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("kid", &self.kid.as_deref())
            .field("window", &W)
            .field("spacing", &S)
            .field("points", &N)
            .finish_non_exhaustive()
    }
}

/// The affine coordinates of a key's point (never the identity: every key type refuses it).
fn key_point(key: &(impl Verifier + ?Sized)) -> Affine {
    let (x, y) = key.coordinates();
    // Coordinates of a valid point are canonical field elements; from_repr cannot fail.
    let x = Option::<Fe>::from(Fe::from_repr(x.into())).unwrap_or(Fe::ZERO);
    let y = Option::<Fe>::from(Fe::from_repr(y.into())).unwrap_or(Fe::ZERO);
    Affine { x, y }
}

/// A copy of `key`'s `kid` (it fits: every key type holds it as a [`Kid`]).
fn kid_of(key: &(impl Verifier + ?Sized)) -> Option<Kid> {
    key.kid().and_then(|kid| Kid::try_from(kid).ok())
}

impl<'g, const W: usize, const S: usize, const N: usize> PreparedKey<'g, W, S, N> {
    /// Bytes of one key table (the part a `PreparedKey` owns), `N · 64`.
    pub const TABLE_BYTES: usize = core::mem::size_of::<Table<W, S, N>>();

    /// Prepares `key`: computes the table of its multiples (a few hundred µs to a few ms,
    /// depending on the profile). The result is large (see [`PreparedKey::TABLE_BYTES`]):
    /// keep it in a `static`, a `Box` (`new_boxed`, feature `alloc`) or reuse one with
    /// [`PreparedKey::set_key`].
    #[must_use]
    pub fn new(generator: &'g GeneratorTable<W, S, N>, key: &(impl Verifier + ?Sized)) -> Self {
        let mut prepared = Self { generator, table: Table::PLACEHOLDER, kid: kid_of(key) };
        prepared.table.fill::<KEY_CHUNK>(&key_point(key));
        prepared
    }

    /// As [`PreparedKey::new`], built directly on the heap.
    #[cfg(feature = "alloc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
    #[must_use]
    pub fn new_boxed(
        generator: &'g GeneratorTable<W, S, N>,
        key: &(impl Verifier + ?Sized),
    ) -> alloc::boxed::Box<Self> {
        let mut prepared =
            alloc::boxed::Box::new(Self { generator, table: Table::PLACEHOLDER, kid: kid_of(key) });
        prepared.table.fill::<KEY_CHUNK>(&key_point(key));
        prepared
    }

    /// Replaces the key in place (e.g. after a JWKS rotation), reusing this storage.
    pub fn set_key(&mut self, key: &(impl Verifier + ?Sized)) {
        self.kid = kid_of(key);
        self.table.fill::<KEY_CHUNK>(&key_point(key));
    }

    /// Checks an ES256 signature over a SHA-256 `digest` computed by the caller (for a JWS,
    /// the digest of `header.payload`), otherwise as [`Verifier::verify`].
    ///
    /// # Errors
    /// [`crate::Error::InvalidSignature`] for any failure.
    pub fn verify_prehash(&self, digest: &[u8; 32], signature: &[u8]) -> Result<(), crate::Error> {
        let sig = Signature::from_slice(signature).map_err(|_| crate::Error::InvalidSignature)?;
        let (r, s) = sig.split_scalars();
        // As ecdsa's `verify_prehashed`: e = digest mod n, u1 = e/s, u2 = r/s.
        let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*digest));
        // s is in [1, n) (`Signature` checked it), so it has an inverse.
        #[cfg(target_pointer_width = "32")]
        let s_inv = super::scalar::limbs32::invert_vartime(&s.to_bytes().into())
            .and_then(|inv| Option::<Scalar>::from(Scalar::from_repr(inv.into())));
        #[cfg(target_pointer_width = "64")]
        let s_inv = super::scalar::limbs64::invert_vartime(&s.to_bytes().into())
            .and_then(|inv| Option::<Scalar>::from(Scalar::from_repr(inv.into())));
        #[cfg(not(any(target_pointer_width = "32", target_pointer_width = "64")))]
        let s_inv = Option::<Scalar>::from(s.invert_vartime());
        let s_inv = s_inv.ok_or(crate::Error::InvalidSignature)?;
        let u1: [u8; 32] = (e * s_inv).to_bytes().into();
        let u2: [u8; 32] = (*r * s_inv).to_bytes().into();
        // 64-bit targets add in fiat-crypto's field, 32-bit ones in p256's.
        #[cfg(target_pointer_width = "64")]
        let matches = x_matches64(
            &mul_add::<Jacobian64, W, S, N>(self.generator.table(), &u1, &self.table, &u2),
            &r.to_bytes().into(),
        );
        #[cfg(not(target_pointer_width = "64"))]
        let matches = x_matches(
            &mul_add::<Jacobian, W, S, N>(self.generator.table(), &u1, &self.table, &u2),
            &r.to_bytes().into(),
        );
        if matches { Ok(()) } else { Err(crate::Error::InvalidSignature) }
    }
}

/// Whether the affine x of `point` (Jacobian) is ≡ `r` (mod n), for `0 < r < n` big-endian,
/// without inverting Z: `x = X/Z²` is `r` or `r + n` (the latter only when `r + n < p`). The
/// identity never matches.
#[cfg(any(not(target_pointer_width = "64"), test))]
pub(crate) fn x_matches(point: &Jacobian, r: &[u8; 32]) -> bool {
    if point.is_identity() {
        return false;
    }
    let Some(r_fe) = Option::<Fe>::from(Fe::from_repr(FieldBytes::from(*r))) else {
        return false;
    };
    let z2 = point.z.square();
    if r_fe.multiply(&z2) == point.x {
        return true;
    }
    // Big-endian byte arrays compare as the numbers they encode.
    *r < P_MINUS_N && r_fe.add(&ORDER).multiply(&z2) == point.x
}
