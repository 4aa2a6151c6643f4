;; Sorting, de-duplicating and hex-encoding one group of SHA-256 digests: the transform's final phase,
;; the same algorithm as sortUniqueDigestLines (src/core/transform/sort-unique-digests.ts), which stays
;; the reference and the fallback. The output is defined by the data alone (every distinct digest once,
;; ascending in byte order, as 64 lowercase hex characters and `\n`), so both produce the same bytes.
;;
;; Why: in JavaScript this was ≈ 0.11–0.22 µs a digest, the largest cost of the final phase; here the
;; hex encoding is a few SIMD instructions per 16 bytes and the comparisons are SIMD too.
;;
;; Contract (digest-sort.ts is the only caller): the caller lays out, in this memory, the packed digests,
;; and room for the keys (4 bytes each), bucket numbers (2 each), bucket starts (65,537 × 4), a copy of
;; them (65,536 × 4), the order (4 each) and the lines (65 each). `sortUniqueLines` returns how many
;; lines it wrote, or -1 when the insertion sorts of crowded buckets would take more than `maxShifts`
;; steps (crafted digests sharing their leading bytes): the caller then sorts in JavaScript.
;; Built by scripts/build-wasm.mjs into digest-sort-wasm.ts; tests compare it with the JavaScript.
(module
  (memory (export "memory") 1)

  ;; Byte-wise comparison of the 32-byte digests at addresses $a and $b: < 0, 0 or > 0.
  (func $compare (param $a i32) (param $b i32) (result i32)
    (local $differ i32)
    (local $at i32)
    (local.set $differ
      (i32.xor
        (i8x16.bitmask (i8x16.eq (v128.load (local.get $a)) (v128.load (local.get $b))))
        (i32.const 0xffff)))
    (if (local.get $differ)
      (then
        (local.set $at (i32.ctz (local.get $differ)))
        (return
          (i32.sub
            (i32.load8_u (i32.add (local.get $a) (local.get $at)))
            (i32.load8_u (i32.add (local.get $b) (local.get $at)))))))
    (local.set $differ
      (i32.xor
        (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (i32.const 0xffff)))
    (if (local.get $differ)
      (then
        (local.set $at (i32.add (i32.ctz (local.get $differ)) (i32.const 16)))
        (return
          (i32.sub
            (i32.load8_u (i32.add (local.get $a) (local.get $at)))
            (i32.load8_u (i32.add (local.get $b) (local.get $at)))))))
    (i32.const 0))

  ;; 16 bytes at $from as 32 lowercase hex characters at $to.
  (func $hex16 (param $from i32) (param $to i32)
    (local $bytes v128)
    (local $high v128)
    (local $low v128)
    (local.set $bytes (v128.load (local.get $from)))
    (local.set $high
      (i8x16.swizzle
        (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
        (i8x16.shr_u (local.get $bytes) (i32.const 4))))
    (local.set $low
      (i8x16.swizzle
        (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
        (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
    (v128.store
      (local.get $to)
      (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $high) (local.get $low)))
    (v128.store offset=16
      (local.get $to)
      (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $high) (local.get $low))))

  ;; The digest at $from as one line (64 hex characters and `\n`) at $to.
  (func $emit (param $from i32) (param $to i32)
    (call $hex16 (local.get $from) (local.get $to))
    (call $hex16 (i32.add (local.get $from) (i32.const 16)) (i32.add (local.get $to) (i32.const 32)))
    (i32.store8 offset=64 (local.get $to) (i32.const 10)))

  (func (export "sortUniqueLines")
    (param $packed i32) (param $count i32) (param $keyAt i32)
    (param $keys i32) (param $bucketOf i32) (param $starts i32) (param $next i32) (param $order i32)
    (param $lines i32) (param $maxShifts i32)
    (result i32)
    (local $i i32) (local $word i32) (local $key i32) (local $lowest i32) (local $highest i32)
    (local $bucketBits i32) (local $rangeBits i32) (local $shift i32) (local $bucketCount i32)
    (local $bucket i32) (local $slot i32) (local $position i32) (local $end i32) (local $run i32)
    (local $index i32) (local $before i32) (local $last i32) (local $at i32) (local $shifts i32)
    (if (i32.eqz (local.get $count)) (then (return (i32.const 0))))

    ;; The sort key: 4 bytes from $keyAt, big-endian (the digests' byte order); its range.
    (local.set $lowest (i32.const -1))
    (local.set $highest (i32.const 0))
    (local.set $i (i32.const 0))
    (loop $keying
      (local.set $word
        (i32.load (i32.add (i32.add (local.get $packed) (i32.shl (local.get $i) (i32.const 5))) (local.get $keyAt))))
      (local.set $key
        (i32.or
          (i32.or
            (i32.shl (local.get $word) (i32.const 24))
            (i32.shl (i32.and (local.get $word) (i32.const 0xff00)) (i32.const 8)))
          (i32.or
            (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 0xff00))
            (i32.shr_u (local.get $word) (i32.const 24)))))
      (i32.store (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2))) (local.get $key))
      (if (i32.lt_u (local.get $key) (local.get $lowest)) (then (local.set $lowest (local.get $key))))
      (if (i32.gt_u (local.get $key) (local.get $highest)) (then (local.set $highest (local.get $key))))
      (br_if $keying (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count))))

    ;; About one bucket per digest (4 to 16 bits), splitting the range of keys present.
    (local.set $bucketBits (i32.sub (i32.const 32) (i32.clz (local.get $count))))
    (if (i32.lt_u (local.get $bucketBits) (i32.const 4)) (then (local.set $bucketBits (i32.const 4))))
    (if (i32.gt_u (local.get $bucketBits) (i32.const 16)) (then (local.set $bucketBits (i32.const 16))))
    (local.set $rangeBits (i32.sub (i32.const 32) (i32.clz (i32.sub (local.get $highest) (local.get $lowest)))))
    (local.set $shift (i32.sub (local.get $rangeBits) (local.get $bucketBits)))
    (if (i32.lt_s (local.get $shift) (i32.const 0)) (then (local.set $shift (i32.const 0))))
    (local.set $bucketCount (i32.shl (i32.const 1) (local.get $bucketBits)))

    ;; Counting sort into the buckets: sizes, then starts, then the order.
    (memory.fill (local.get $starts) (i32.const 0) (i32.shl (i32.add (local.get $bucketCount) (i32.const 1)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $counting
      (local.set $bucket
        (i32.shr_u
          (i32.sub (i32.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))) (local.get $lowest))
          (local.get $shift)))
      (i32.store16 (i32.add (local.get $bucketOf) (i32.shl (local.get $i) (i32.const 1))) (local.get $bucket))
      (local.set $slot (i32.add (local.get $starts) (i32.shl (i32.add (local.get $bucket) (i32.const 1)) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (br_if $counting (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count))))
    (local.set $i (i32.const 1))
    (loop $summing
      (local.set $slot (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.load offset=0 (i32.sub (local.get $slot) (i32.const 4)))))
      (br_if $summing (i32.le_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $bucketCount))))
    (memory.copy (local.get $next) (local.get $starts) (i32.shl (local.get $bucketCount) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $placing
      (local.set $slot
        (i32.add
          (local.get $next)
          (i32.shl (i32.load16_u (i32.add (local.get $bucketOf) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 2))))
      (i32.store (i32.add (local.get $order) (i32.shl (i32.load (local.get $slot)) (i32.const 2))) (local.get $i))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (br_if $placing (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count))))

    ;; Bucket by bucket: a single digest is written as it is; a crowded bucket is insertion-sorted by
    ;; whole digests and written without its repeats (equal digests share a key, so a bucket).
    (local.set $at (local.get $lines))
    (local.set $position (i32.const 0))
    (loop $walking
      (local.set $index (i32.load (i32.add (local.get $order) (i32.shl (local.get $position) (i32.const 2)))))
      (local.set $end
        (i32.load
          (i32.add
            (local.get $starts)
            (i32.shl
              (i32.add (i32.load16_u (i32.add (local.get $bucketOf) (i32.shl (local.get $index) (i32.const 1)))) (i32.const 1))
              (i32.const 2)))))
      (if (i32.eq (i32.sub (local.get $end) (local.get $position)) (i32.const 1))
        (then
          (call $emit (i32.add (local.get $packed) (i32.shl (local.get $index) (i32.const 5))) (local.get $at))
          (local.set $at (i32.add (local.get $at) (i32.const 65))))
        (else
          (local.set $run (i32.add (local.get $position) (i32.const 1)))
          (block $sorted
            (loop $inserting
              (br_if $sorted (i32.ge_u (local.get $run) (local.get $end)))
              (local.set $index (i32.load (i32.add (local.get $order) (i32.shl (local.get $run) (i32.const 2)))))
              (local.set $before (i32.sub (local.get $run) (i32.const 1)))
              (block $placed
                (loop $shifting
                  (br_if $placed (i32.lt_s (local.get $before) (local.get $position)))
                  (br_if $placed
                    (i32.le_s
                      (call $compare
                        (i32.add
                          (local.get $packed)
                          (i32.shl (i32.load (i32.add (local.get $order) (i32.shl (local.get $before) (i32.const 2)))) (i32.const 5)))
                        (i32.add (local.get $packed) (i32.shl (local.get $index) (i32.const 5))))
                      (i32.const 0)))
                  (i32.store offset=4
                    (i32.add (local.get $order) (i32.shl (local.get $before) (i32.const 2)))
                    (i32.load (i32.add (local.get $order) (i32.shl (local.get $before) (i32.const 2)))))
                  (local.set $before (i32.sub (local.get $before) (i32.const 1)))
                  (local.set $shifts (i32.add (local.get $shifts) (i32.const 1)))
                  (if (i32.gt_u (local.get $shifts) (local.get $maxShifts)) (then (return (i32.const -1))))
                  (br $shifting)))
              (i32.store offset=4 (i32.add (local.get $order) (i32.shl (local.get $before) (i32.const 2))) (local.get $index))
              (local.set $run (i32.add (local.get $run) (i32.const 1)))
              (br $inserting)))
          (local.set $last (i32.const -1))
          (local.set $run (local.get $position))
          (loop $writing
            (local.set $index (i32.load (i32.add (local.get $order) (i32.shl (local.get $run) (i32.const 2)))))
            ;; (The first of the bucket is always written; a later one when it differs from the last written.)
            (block $repeat
              (if (i32.ge_s (local.get $last) (i32.const 0))
                (then
                  (br_if $repeat
                    (i32.eqz
                      (call $compare
                        (i32.add (local.get $packed) (i32.shl (local.get $last) (i32.const 5)))
                        (i32.add (local.get $packed) (i32.shl (local.get $index) (i32.const 5))))))))
              (call $emit (i32.add (local.get $packed) (i32.shl (local.get $index) (i32.const 5))) (local.get $at))
              (local.set $at (i32.add (local.get $at) (i32.const 65)))
              (local.set $last (local.get $index)))
            (br_if $writing (i32.lt_u (local.tee $run (i32.add (local.get $run) (i32.const 1))) (local.get $end))))))
      (local.set $position (local.get $end))
      (br_if $walking (i32.lt_u (local.get $position) (local.get $count))))
    (i32.div_u (i32.sub (local.get $at) (local.get $lines)) (i32.const 65)))
)
