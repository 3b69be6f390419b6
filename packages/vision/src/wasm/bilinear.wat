;; OpenCV INTER_LINEAR resize of 8-bit RGB with 11-bit fixed-point weights, fused with the write of a float
;; tensor: the 128-bit SIMD kernel behind preprocess-wasm.ts, bit for bit the arithmetic of writeBilinear in
;; preprocess.ts (see there for the geometry). Rebuild bilinear.wasm with
;; `node --import tsx packages/vision/src/wasm/build.ts` (from the repository root).
;;
;; Memory is laid out by the caller; every address below is a byte address in it:
;;   row table:    per output row, i32 (top row start, bottom row start, vertical weight wy)
;;   column table: per output column, i32 (near tap, far tap, horizontal weight wx), taps as addresses into
;;                 the blended row, which holds one i32 per source byte (3 channels interleaved)
;;   blended row:  the two source rows blended, value x 2^11; 16 bytes of slack after the last column read
;;   source rows:  read in 16-byte steps, so 15 bytes of slack after the last one
(module
  (memory (export "memory") 1)

  ;; blended[i] = top[i] * (2048 - wy) + bottom[i] * wy for i in [0, bytes): equal to JS's
  ;; (u << 11) + (d - u) * wy. Bytes of both rows are interleaved (u, d) as i16 pairs, so one
  ;; i32x4.dot_i16x8_s against (2048 - wy, wy) gives four sums.
  (func $blendRows (param $top i32) (param $bottom i32) (param $dst i32) (param $bytes i32) (param $wy i32)
    (local $weights v128) (local $end i32) (local $t v128) (local $b v128) (local $lo v128) (local $hi v128)
    (local.set $weights (i32x4.splat (i32.or (i32.shl (local.get $wy) (i32.const 16)) (i32.sub (i32.const 2048) (local.get $wy)))))
    (local.set $end (i32.add (local.get $top) (local.get $bytes)))
    (loop $next
      (local.set $t (v128.load (local.get $top)))
      (local.set $b (v128.load (local.get $bottom)))
      (local.set $lo (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t) (local.get $b)))
      (local.set $hi (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t) (local.get $b)))
      (v128.store offset=0 (local.get $dst) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $lo)) (local.get $weights)))
      (v128.store offset=16 (local.get $dst) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $lo)) (local.get $weights)))
      (v128.store offset=32 (local.get $dst) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $hi)) (local.get $weights)))
      (v128.store offset=48 (local.get $dst) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $hi)) (local.get $weights)))
      (local.set $top (i32.add (local.get $top) (i32.const 16)))
      (local.set $bottom (i32.add (local.get $bottom) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (br_if $next (i32.lt_u (local.get $top) (local.get $end)))))

  ;; Blends the columns of the blended row into one output row: lanes (R, G, B, -) of the near and far taps
  ;; together, (near << 11) + (far - near) * wx + 2^21 >> 22 (the one rounding back to 8 bits), then
  ;; R, G and B to their own output offsets, either as they are (`affine` 0) or times gain plus bias in
  ;; double precision as JS computes them, then rounded to float.
  (func $blendColumns
    (param $table i32) (param $columns i32) (param $out i32) (param $pixelStride i32)
    (param $offsetR i32) (param $offsetG i32) (param $offsetB i32)
    (param $affine i32) (param $gainRG v128) (param $gainB v128) (param $biasRG v128) (param $biasB v128)
    (local $end i32) (local $near v128) (local $v v128) (local $f v128)
    (local.set $end (i32.add (local.get $table) (i32.mul (local.get $columns) (i32.const 12))))
    (loop $next
      (local.set $near (v128.load (i32.load offset=0 (local.get $table))))
      (local.set $v
        (i32x4.shr_s
          (i32x4.add
            (i32x4.add
              (i32x4.shl (local.get $near) (i32.const 11))
              (i32x4.mul
                (i32x4.sub (v128.load (i32.load offset=4 (local.get $table))) (local.get $near))
                (i32x4.splat (i32.load offset=8 (local.get $table)))))
            (v128.const i32x4 2097152 2097152 2097152 2097152))
          (i32.const 22)))
      (if (local.get $affine)
        (then
          (local.set $f
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $v)) (local.get $gainRG)) (local.get $biasRG)))
              (f32x4.demote_f64x2_zero
                (f64x2.add
                  (f64x2.mul
                    (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
                    (local.get $gainB))
                  (local.get $biasB))))))
        (else (local.set $f (f32x4.convert_i32x4_s (local.get $v)))))
      (v128.store32_lane 0 (i32.add (local.get $out) (local.get $offsetR)) (local.get $f))
      (v128.store32_lane 1 (i32.add (local.get $out) (local.get $offsetG)) (local.get $f))
      (v128.store32_lane 2 (i32.add (local.get $out) (local.get $offsetB)) (local.get $f))
      (local.set $out (i32.add (local.get $out) (local.get $pixelStride)))
      (local.set $table (i32.add (local.get $table) (i32.const 12)))
      (br_if $next (i32.lt_u (local.get $table) (local.get $end)))))

  ;; The whole resized region: per output row, blend its two source rows over the source bytes
  ;; [from, from + bytes) into `blended` (at the address of byte `from`), then its columns into `out`;
  ;; output rows are `rowStride` bytes apart.
  (func (export "resize")
    (param $rowTable i32) (param $rows i32) (param $from i32) (param $bytes i32) (param $blended i32)
    (param $columnTable i32) (param $columns i32)
    (param $out i32) (param $rowStride i32) (param $pixelStride i32)
    (param $offsetR i32) (param $offsetG i32) (param $offsetB i32)
    (param $affine i32) (param $gainR f64) (param $gainG f64) (param $gainB f64)
    (param $biasR f64) (param $biasG f64) (param $biasB f64)
    (local $end i32) (local $gainRG v128) (local $biasRG v128)
    (local.set $gainRG (f64x2.replace_lane 1 (f64x2.splat (local.get $gainR)) (local.get $gainG)))
    (local.set $biasRG (f64x2.replace_lane 1 (f64x2.splat (local.get $biasR)) (local.get $biasG)))
    (local.set $end (i32.add (local.get $rowTable) (i32.mul (local.get $rows) (i32.const 12))))
    (loop $next
      (call $blendRows
        (i32.add (i32.load offset=0 (local.get $rowTable)) (local.get $from))
        (i32.add (i32.load offset=4 (local.get $rowTable)) (local.get $from))
        (i32.add (local.get $blended) (i32.shl (local.get $from) (i32.const 2)))
        (local.get $bytes)
        (i32.load offset=8 (local.get $rowTable)))
      (call $blendColumns
        (local.get $columnTable) (local.get $columns) (local.get $out) (local.get $pixelStride)
        (local.get $offsetR) (local.get $offsetG) (local.get $offsetB)
        (local.get $affine) (local.get $gainRG) (f64x2.splat (local.get $gainB)) (local.get $biasRG) (f64x2.splat (local.get $biasB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowStride)))
      (local.set $rowTable (i32.add (local.get $rowTable) (i32.const 12)))
      (br_if $next (i32.lt_u (local.get $rowTable) (local.get $end))))))
