;; SHA-256 (FIPS 180-4) of single-block messages, four at a time in the lanes of 128-bit SIMD vectors.
;;
;; Why: node:crypto's one-shot hash costs ≈ 0.45 µs per short value, almost all of it call overhead
;; (the compression itself is ≈ 0.05 µs with SHA-NI). The engine hashes ≈ 2.85 values per row, so that
;; overhead was the largest single cost of a row. Here one call hashes a whole batch.
;;
;; Contract (sha256-batch.ts is the only caller): each message is one padded 64-byte block (message
;; bytes, 0x80, zeros, the 64-bit big-endian bit length), so messages are at most 55 bytes; `place` lays
;; the blocks out from the messages' bytes (encoded by the caller in one call), or the caller writes
;; them itself; blocks are consecutive from `in`, in groups of four. Digests are written consecutively from
;; `out`, 32 bytes each, big-endian as SHA-256 defines them. Longer messages are hashed by node:crypto.
;; Built by scripts/build-wasm.mjs into sha256-x4-wasm.ts; tests compare it with node:crypto.
;;
;; Memory: the round constants K at 0 (64 × i32), the initial hash H0 at 256 (8 × i32), the message
;; schedule W at 1024 (64 × v128, one lane per message); from 4096 the caller's blocks, digests, message
;; lengths and message bytes; for placeRefs, the messages' addresses, then (sha256-batch.ts's staged
;; mode) the line scanner's area and, from 384 KiB, a JSON Lines chunk the memory grows to hold.
(module
  (memory (export "memory") 6)

  (func $init
    ;; K: the first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2).
    (i32.store offset=0 (i32.const 0) (i32.const 0x428a2f98))
    (i32.store offset=4 (i32.const 0) (i32.const 0x71374491))
    (i32.store offset=8 (i32.const 0) (i32.const 0xb5c0fbcf))
    (i32.store offset=12 (i32.const 0) (i32.const 0xe9b5dba5))
    (i32.store offset=16 (i32.const 0) (i32.const 0x3956c25b))
    (i32.store offset=20 (i32.const 0) (i32.const 0x59f111f1))
    (i32.store offset=24 (i32.const 0) (i32.const 0x923f82a4))
    (i32.store offset=28 (i32.const 0) (i32.const 0xab1c5ed5))
    (i32.store offset=32 (i32.const 0) (i32.const 0xd807aa98))
    (i32.store offset=36 (i32.const 0) (i32.const 0x12835b01))
    (i32.store offset=40 (i32.const 0) (i32.const 0x243185be))
    (i32.store offset=44 (i32.const 0) (i32.const 0x550c7dc3))
    (i32.store offset=48 (i32.const 0) (i32.const 0x72be5d74))
    (i32.store offset=52 (i32.const 0) (i32.const 0x80deb1fe))
    (i32.store offset=56 (i32.const 0) (i32.const 0x9bdc06a7))
    (i32.store offset=60 (i32.const 0) (i32.const 0xc19bf174))
    (i32.store offset=64 (i32.const 0) (i32.const 0xe49b69c1))
    (i32.store offset=68 (i32.const 0) (i32.const 0xefbe4786))
    (i32.store offset=72 (i32.const 0) (i32.const 0x0fc19dc6))
    (i32.store offset=76 (i32.const 0) (i32.const 0x240ca1cc))
    (i32.store offset=80 (i32.const 0) (i32.const 0x2de92c6f))
    (i32.store offset=84 (i32.const 0) (i32.const 0x4a7484aa))
    (i32.store offset=88 (i32.const 0) (i32.const 0x5cb0a9dc))
    (i32.store offset=92 (i32.const 0) (i32.const 0x76f988da))
    (i32.store offset=96 (i32.const 0) (i32.const 0x983e5152))
    (i32.store offset=100 (i32.const 0) (i32.const 0xa831c66d))
    (i32.store offset=104 (i32.const 0) (i32.const 0xb00327c8))
    (i32.store offset=108 (i32.const 0) (i32.const 0xbf597fc7))
    (i32.store offset=112 (i32.const 0) (i32.const 0xc6e00bf3))
    (i32.store offset=116 (i32.const 0) (i32.const 0xd5a79147))
    (i32.store offset=120 (i32.const 0) (i32.const 0x06ca6351))
    (i32.store offset=124 (i32.const 0) (i32.const 0x14292967))
    (i32.store offset=128 (i32.const 0) (i32.const 0x27b70a85))
    (i32.store offset=132 (i32.const 0) (i32.const 0x2e1b2138))
    (i32.store offset=136 (i32.const 0) (i32.const 0x4d2c6dfc))
    (i32.store offset=140 (i32.const 0) (i32.const 0x53380d13))
    (i32.store offset=144 (i32.const 0) (i32.const 0x650a7354))
    (i32.store offset=148 (i32.const 0) (i32.const 0x766a0abb))
    (i32.store offset=152 (i32.const 0) (i32.const 0x81c2c92e))
    (i32.store offset=156 (i32.const 0) (i32.const 0x92722c85))
    (i32.store offset=160 (i32.const 0) (i32.const 0xa2bfe8a1))
    (i32.store offset=164 (i32.const 0) (i32.const 0xa81a664b))
    (i32.store offset=168 (i32.const 0) (i32.const 0xc24b8b70))
    (i32.store offset=172 (i32.const 0) (i32.const 0xc76c51a3))
    (i32.store offset=176 (i32.const 0) (i32.const 0xd192e819))
    (i32.store offset=180 (i32.const 0) (i32.const 0xd6990624))
    (i32.store offset=184 (i32.const 0) (i32.const 0xf40e3585))
    (i32.store offset=188 (i32.const 0) (i32.const 0x106aa070))
    (i32.store offset=192 (i32.const 0) (i32.const 0x19a4c116))
    (i32.store offset=196 (i32.const 0) (i32.const 0x1e376c08))
    (i32.store offset=200 (i32.const 0) (i32.const 0x2748774c))
    (i32.store offset=204 (i32.const 0) (i32.const 0x34b0bcb5))
    (i32.store offset=208 (i32.const 0) (i32.const 0x391c0cb3))
    (i32.store offset=212 (i32.const 0) (i32.const 0x4ed8aa4a))
    (i32.store offset=216 (i32.const 0) (i32.const 0x5b9cca4f))
    (i32.store offset=220 (i32.const 0) (i32.const 0x682e6ff3))
    (i32.store offset=224 (i32.const 0) (i32.const 0x748f82ee))
    (i32.store offset=228 (i32.const 0) (i32.const 0x78a5636f))
    (i32.store offset=232 (i32.const 0) (i32.const 0x84c87814))
    (i32.store offset=236 (i32.const 0) (i32.const 0x8cc70208))
    (i32.store offset=240 (i32.const 0) (i32.const 0x90befffa))
    (i32.store offset=244 (i32.const 0) (i32.const 0xa4506ceb))
    (i32.store offset=248 (i32.const 0) (i32.const 0xbef9a3f7))
    (i32.store offset=252 (i32.const 0) (i32.const 0xc67178f2))
    ;; H0: the first 32 bits of the fractional parts of the square roots of the first 8 primes (5.3.3).
    (i32.store offset=256 (i32.const 0) (i32.const 0x6a09e667))
    (i32.store offset=260 (i32.const 0) (i32.const 0xbb67ae85))
    (i32.store offset=264 (i32.const 0) (i32.const 0x3c6ef372))
    (i32.store offset=268 (i32.const 0) (i32.const 0xa54ff53a))
    (i32.store offset=272 (i32.const 0) (i32.const 0x510e527f))
    (i32.store offset=276 (i32.const 0) (i32.const 0x9b05688c))
    (i32.store offset=280 (i32.const 0) (i32.const 0x1f83d9ab))
    (i32.store offset=284 (i32.const 0) (i32.const 0x5be0cd19)))
  (start $init)

  ;; Adds the initial hash word `i` to the four lanes of `v` and stores them big-endian as word `i` of
  ;; the four digests at `out`, `out + 32`, `out + 64` and `out + 96`.
  (func $storeWord (param $out i32) (param $i i32) (param $v v128)
    (local $p i32)
    (local.set $p (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
    (local.set $v
      (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
        (i32x4.add (local.get $v)
          (i32x4.splat (i32.load offset=256 (i32.shl (local.get $i) (i32.const 2)))))
        (local.get $v)))
    (v128.store32_lane offset=0 0 (local.get $p) (local.get $v))
    (v128.store32_lane offset=32 1 (local.get $p) (local.get $v))
    (v128.store32_lane offset=64 2 (local.get $p) (local.get $v))
    (v128.store32_lane offset=96 3 (local.get $p) (local.get $v)))

;; Bytes 16k … 16k + 15 of a padded block whose message (at most 55 bytes) starts at `from`: the
  ;; message's bytes below its length `n` (in every lane), 0x80 at it, zeros after. `fold` is 0x20 in
  ;; every lane to lay out A–Z as a–z (placeRefs), or zeros to keep the bytes as they are (place).
  (func $blockChunk (param $from i32) (param $k i32) (param $n v128) (param $fold v128) (result v128)
    (local $index v128) (local $bytes v128)
    (local.set $index
      (i8x16.add
        (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
        (i8x16.splat (local.get $k))))
    (local.set $bytes (v128.load (i32.add (local.get $from) (local.get $k))))
    ;; byte - 'A' < 26 (unsigned): an upper-case letter, which gets the 0x20 bit of `fold`.
    (local.set $bytes
      (v128.or
        (local.get $bytes)
        (v128.and
          (local.get $fold)
          (i8x16.lt_u
            (i8x16.sub (local.get $bytes) (v128.const i8x16 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41))
            (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26)))))
    (v128.or
      (v128.and
        (local.get $bytes)
        (i8x16.lt_u (local.get $index) (local.get $n)))
      (v128.and
        (i8x16.eq (local.get $index) (local.get $n))
        (v128.const i8x16 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80))))

  ;; Lays out `count` messages, whose bytes follow one another from `staging` (and 64 bytes of slack
  ;; after them), as padded single blocks from `blocks` (FIPS 180-4, 5.1.1): the message, 0x80, zeros,
  ;; the bit length in the last two bytes (at most 440 bits). Their lengths are i32s from `lengths`.
  (func (export "place") (param $staging i32) (param $lengths i32) (param $blocks i32) (param $count i32)
    (local $q i32) (local $length i32) (local $block i32) (local $n v128)
    (block $done
      (loop $message
        (br_if $done (i32.ge_u (local.get $q) (local.get $count)))
        (local.set $length (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $block (i32.add (local.get $blocks) (i32.shl (local.get $q) (i32.const 6))))
        (local.set $n (i8x16.splat (local.get $length)))
        (v128.store offset=0 (local.get $block) (call $blockChunk (local.get $staging) (i32.const 0) (local.get $n) (v128.const i64x2 0 0)))
        (v128.store offset=16 (local.get $block) (call $blockChunk (local.get $staging) (i32.const 16) (local.get $n) (v128.const i64x2 0 0)))
        (v128.store offset=32 (local.get $block) (call $blockChunk (local.get $staging) (i32.const 32) (local.get $n) (v128.const i64x2 0 0)))
        (v128.store offset=48 (local.get $block) (call $blockChunk (local.get $staging) (i32.const 48) (local.get $n) (v128.const i64x2 0 0)))
        (i32.store8 offset=62 (local.get $block) (i32.shr_u (i32.shl (local.get $length) (i32.const 3)) (i32.const 8)))
        (i32.store8 offset=63 (local.get $block) (i32.and (i32.shl (local.get $length) (i32.const 3)) (i32.const 0xff)))
        (local.set $staging (i32.add (local.get $staging) (local.get $length)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $message))))

  ;; Like place, but message q's bytes start at the address held by the i32 at `refs` + 4q (with 64
  ;; readable bytes after it), and A–Z are laid out as a–z: the staged values of sha256-batch.ts are
  ;; lowercase by the rules (emails, device ids), or have no letters (phones), once folded.
  (func (export "placeRefs") (param $refs i32) (param $lengths i32) (param $blocks i32) (param $count i32)
    (local $q i32) (local $length i32) (local $block i32) (local $from i32) (local $n v128) (local $fold v128)
    (local.set $fold (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
    (block $done
      (loop $message
        (br_if $done (i32.ge_u (local.get $q) (local.get $count)))
        (local.set $from (i32.load (i32.add (local.get $refs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $length (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $block (i32.add (local.get $blocks) (i32.shl (local.get $q) (i32.const 6))))
        (local.set $n (i8x16.splat (local.get $length)))
        (v128.store offset=0 (local.get $block) (call $blockChunk (local.get $from) (i32.const 0) (local.get $n) (local.get $fold)))
        (v128.store offset=16 (local.get $block) (call $blockChunk (local.get $from) (i32.const 16) (local.get $n) (local.get $fold)))
        (v128.store offset=32 (local.get $block) (call $blockChunk (local.get $from) (i32.const 32) (local.get $n) (local.get $fold)))
        (v128.store offset=48 (local.get $block) (call $blockChunk (local.get $from) (i32.const 48) (local.get $n) (local.get $fold)))
        (i32.store8 offset=62 (local.get $block) (i32.shr_u (i32.shl (local.get $length) (i32.const 3)) (i32.const 8)))
        (i32.store8 offset=63 (local.get $block) (i32.and (i32.shl (local.get $length) (i32.const 3)) (i32.const 0xff)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $message))))

  ;; Hashes `groups` groups of four blocks from `in`, writing four digests per group from `out`.
  (func (export "hash4") (param $in i32) (param $out i32) (param $groups i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local $t1 v128) (local $t2 v128) (local $x v128) (local $y v128)
    (local $t i32) (local $p i32)
    (block $done
      (loop $group
        (br_if $done (i32.eqz (local.get $groups)))

        ;; W[0..15]: word t of each block, byte-swapped to big-endian, one lane per block.
        (local.set $t (i32.const 0))
        (loop $load
          (local.set $p (i32.add (local.get $in) (i32.shl (local.get $t) (i32.const 2))))
          (v128.store offset=1024 (i32.shl (local.get $t) (i32.const 4))
            (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
              (v128.load32_lane offset=192 3 (local.get $p)
                (v128.load32_lane offset=128 2 (local.get $p)
                  (v128.load32_lane offset=64 1 (local.get $p)
                    (v128.load32_lane offset=0 0 (local.get $p) (v128.const i32x4 0 0 0 0)))))
              (v128.const i32x4 0 0 0 0)))
          (br_if $load (i32.ne (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 16))))

        ;; W[16..63] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]; $p points at W[t-16].
        (local.set $p (i32.const 1024))
        (loop $schedule
          ;; σ0(x) = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
          (local.set $x (v128.load offset=16 (local.get $p)))
          (local.set $t1
            (v128.xor
              (v128.xor
                (v128.or (i32x4.shr_u (local.get $x) (i32.const 7)) (i32x4.shl (local.get $x) (i32.const 25)))
                (v128.or (i32x4.shr_u (local.get $x) (i32.const 18)) (i32x4.shl (local.get $x) (i32.const 14))))
              (i32x4.shr_u (local.get $x) (i32.const 3))))
          ;; σ1(y) = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
          (local.set $y (v128.load offset=224 (local.get $p)))
          (local.set $t2
            (v128.xor
              (v128.xor
                (v128.or (i32x4.shr_u (local.get $y) (i32.const 17)) (i32x4.shl (local.get $y) (i32.const 15)))
                (v128.or (i32x4.shr_u (local.get $y) (i32.const 19)) (i32x4.shl (local.get $y) (i32.const 13))))
              (i32x4.shr_u (local.get $y) (i32.const 10))))
          (v128.store offset=256 (local.get $p)
            (i32x4.add
              (i32x4.add (local.get $t2) (v128.load offset=144 (local.get $p)))
              (i32x4.add (local.get $t1) (v128.load offset=0 (local.get $p)))))
          (br_if $schedule
            (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 1792))))

        ;; The 64 rounds, from H0.
        (local.set $a (i32x4.splat (i32.load offset=256 (i32.const 0))))
        (local.set $b (i32x4.splat (i32.load offset=260 (i32.const 0))))
        (local.set $c (i32x4.splat (i32.load offset=264 (i32.const 0))))
        (local.set $d (i32x4.splat (i32.load offset=268 (i32.const 0))))
        (local.set $e (i32x4.splat (i32.load offset=272 (i32.const 0))))
        (local.set $f (i32x4.splat (i32.load offset=276 (i32.const 0))))
        (local.set $g (i32x4.splat (i32.load offset=280 (i32.const 0))))
        (local.set $h (i32x4.splat (i32.load offset=284 (i32.const 0))))
        ;; Eight rounds per pass, each a copy of the one round with the eight working variables renamed
        ;; instead of moved: after round t, a … h are the previous h' = T1 + T2, a, b, c, d + T1, e, f, g.
        ;;   T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]   Σ1(e) = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        ;;   T2 = Σ0(a) + Maj(a, b, c)                    Σ0(a) = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        ;;   Ch(e, f, g) = f where e has a 1 bit, else g; Maj(a, b, c) = a where b and c differ, else b.
        ;; rotr(x, n) = (x >> n) | (x << 32 - n). $t is 4 × the round number (K's byte offset).
        (local.set $t (i32.const 0))
        (loop $round
          ;; round t + 0: (a … h) = (a b c d e f g h)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $h) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 6)) (i32x4.shl (local.get $e) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 11)) (i32x4.shl (local.get $e) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 25)) (i32x4.shl (local.get $e) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $f) (local.get $g) (local.get $e))
                (i32x4.add
                  (i32x4.splat (i32.load offset=0 (local.get $t)))
                  (v128.load offset=1024 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $d (i32x4.add (local.get $d) (local.get $t1)))
          (local.set $h
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 2)) (i32x4.shl (local.get $a) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 13)) (i32x4.shl (local.get $a) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 22)) (i32x4.shl (local.get $a) (i32.const 10))))
                (v128.bitselect (local.get $a) (local.get $b) (v128.xor (local.get $b) (local.get $c))))))
          ;; round t + 1: (a … h) = (h a b c d e f g)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $g) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 6)) (i32x4.shl (local.get $d) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 11)) (i32x4.shl (local.get $d) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 25)) (i32x4.shl (local.get $d) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $e) (local.get $f) (local.get $d))
                (i32x4.add
                  (i32x4.splat (i32.load offset=4 (local.get $t)))
                  (v128.load offset=1040 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $c (i32x4.add (local.get $c) (local.get $t1)))
          (local.set $g
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 2)) (i32x4.shl (local.get $h) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 13)) (i32x4.shl (local.get $h) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 22)) (i32x4.shl (local.get $h) (i32.const 10))))
                (v128.bitselect (local.get $h) (local.get $a) (v128.xor (local.get $a) (local.get $b))))))
          ;; round t + 2: (a … h) = (g h a b c d e f)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $f) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 6)) (i32x4.shl (local.get $c) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 11)) (i32x4.shl (local.get $c) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 25)) (i32x4.shl (local.get $c) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $d) (local.get $e) (local.get $c))
                (i32x4.add
                  (i32x4.splat (i32.load offset=8 (local.get $t)))
                  (v128.load offset=1056 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $b (i32x4.add (local.get $b) (local.get $t1)))
          (local.set $f
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 2)) (i32x4.shl (local.get $g) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 13)) (i32x4.shl (local.get $g) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 22)) (i32x4.shl (local.get $g) (i32.const 10))))
                (v128.bitselect (local.get $g) (local.get $h) (v128.xor (local.get $h) (local.get $a))))))
          ;; round t + 3: (a … h) = (f g h a b c d e)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $e) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 6)) (i32x4.shl (local.get $b) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 11)) (i32x4.shl (local.get $b) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 25)) (i32x4.shl (local.get $b) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $c) (local.get $d) (local.get $b))
                (i32x4.add
                  (i32x4.splat (i32.load offset=12 (local.get $t)))
                  (v128.load offset=1072 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $a (i32x4.add (local.get $a) (local.get $t1)))
          (local.set $e
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 2)) (i32x4.shl (local.get $f) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 13)) (i32x4.shl (local.get $f) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 22)) (i32x4.shl (local.get $f) (i32.const 10))))
                (v128.bitselect (local.get $f) (local.get $g) (v128.xor (local.get $g) (local.get $h))))))
          ;; round t + 4: (a … h) = (e f g h a b c d)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $d) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 6)) (i32x4.shl (local.get $a) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 11)) (i32x4.shl (local.get $a) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 25)) (i32x4.shl (local.get $a) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $b) (local.get $c) (local.get $a))
                (i32x4.add
                  (i32x4.splat (i32.load offset=16 (local.get $t)))
                  (v128.load offset=1088 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $h (i32x4.add (local.get $h) (local.get $t1)))
          (local.set $d
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 2)) (i32x4.shl (local.get $e) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 13)) (i32x4.shl (local.get $e) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 22)) (i32x4.shl (local.get $e) (i32.const 10))))
                (v128.bitselect (local.get $e) (local.get $f) (v128.xor (local.get $f) (local.get $g))))))
          ;; round t + 5: (a … h) = (d e f g h a b c)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $c) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 6)) (i32x4.shl (local.get $h) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 11)) (i32x4.shl (local.get $h) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 25)) (i32x4.shl (local.get $h) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $a) (local.get $b) (local.get $h))
                (i32x4.add
                  (i32x4.splat (i32.load offset=20 (local.get $t)))
                  (v128.load offset=1104 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $g (i32x4.add (local.get $g) (local.get $t1)))
          (local.set $c
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 2)) (i32x4.shl (local.get $d) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 13)) (i32x4.shl (local.get $d) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 22)) (i32x4.shl (local.get $d) (i32.const 10))))
                (v128.bitselect (local.get $d) (local.get $e) (v128.xor (local.get $e) (local.get $f))))))
          ;; round t + 6: (a … h) = (c d e f g h a b)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $b) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 6)) (i32x4.shl (local.get $g) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 11)) (i32x4.shl (local.get $g) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 25)) (i32x4.shl (local.get $g) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $h) (local.get $a) (local.get $g))
                (i32x4.add
                  (i32x4.splat (i32.load offset=24 (local.get $t)))
                  (v128.load offset=1120 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $f (i32x4.add (local.get $f) (local.get $t1)))
          (local.set $b
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 2)) (i32x4.shl (local.get $c) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 13)) (i32x4.shl (local.get $c) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 22)) (i32x4.shl (local.get $c) (i32.const 10))))
                (v128.bitselect (local.get $c) (local.get $d) (v128.xor (local.get $d) (local.get $e))))))
          ;; round t + 7: (a … h) = (b c d e f g h a)
          (local.set $t1
            (i32x4.add
              (i32x4.add (local.get $a) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 6)) (i32x4.shl (local.get $f) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 11)) (i32x4.shl (local.get $f) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 25)) (i32x4.shl (local.get $f) (i32.const 7)))))
              (i32x4.add
                (v128.bitselect (local.get $g) (local.get $h) (local.get $f))
                (i32x4.add
                  (i32x4.splat (i32.load offset=28 (local.get $t)))
                  (v128.load offset=1136 (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $e (i32x4.add (local.get $e) (local.get $t1)))
          (local.set $a
            (i32x4.add
              (local.get $t1)
              (i32x4.add
                (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 2)) (i32x4.shl (local.get $b) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 13)) (i32x4.shl (local.get $b) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 22)) (i32x4.shl (local.get $b) (i32.const 10))))
                (v128.bitselect (local.get $b) (local.get $c) (v128.xor (local.get $c) (local.get $d))))))
          (br_if $round (i32.ne (local.tee $t (i32.add (local.get $t) (i32.const 32))) (i32.const 256))))

        ;; H = H0 + (a … h), written out.
        (call $storeWord (local.get $out) (i32.const 0) (local.get $a))
        (call $storeWord (local.get $out) (i32.const 1) (local.get $b))
        (call $storeWord (local.get $out) (i32.const 2) (local.get $c))
        (call $storeWord (local.get $out) (i32.const 3) (local.get $d))
        (call $storeWord (local.get $out) (i32.const 4) (local.get $e))
        (call $storeWord (local.get $out) (i32.const 5) (local.get $f))
        (call $storeWord (local.get $out) (i32.const 6) (local.get $g))
        (call $storeWord (local.get $out) (i32.const 7) (local.get $h))

        (local.set $in (i32.add (local.get $in) (i32.const 256)))
        (local.set $out (i32.add (local.get $out) (i32.const 128)))
        (local.set $groups (i32.sub (local.get $groups) (i32.const 1)))
        (br $group))))
)
