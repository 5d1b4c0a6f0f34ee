// Centres in the layout the C kernels read, and the column slices the pruned search packs.
import CKMeansKernels

/// Centres in the layout the C kernels read: row-major copy, blocks of 16 transposed centres, 0.5‖c‖² and ‖c‖².
struct PackedCenters: Sendable {
    let k: Int
    let d: Int
    let centers: [Float]
    var packed: [Float]
    var halfNorms: [Float]
    var norms: [Float]

    init(_ matrix: Matrix) {
        k = matrix.rows
        d = matrix.columns
        centers = matrix.values
        let padded = Int(kmk_padded_count(Int64(k)))
        packed = [Float](repeating: 0, count: padded * max(d, 1))
        halfNorms = [Float](repeating: 0, count: padded)
        norms = [Float](repeating: 0, count: padded)
        let (k, d) = (k, d)
        centers.withUnsafeBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { p in
                halfNorms.withUnsafeMutableBufferPointer { h in
                    norms.withUnsafeMutableBufferPointer { nr in
                        kmk_pack_centers(c.baseAddress, Int64(k), Int64(d), p.baseAddress, h.baseAddress, nr.baseAddress)
                    }
                }
            }
        }
    }

    /// Raw pointers to the packed arrays, valid inside `body`.
    struct Pointers: Sendable {
        private let shared: (centers: SharedPointer<Float>, packed: SharedPointer<Float>,
                             halfNorms: SharedPointer<Float>, norms: SharedPointer<Float>)

        init(centers: UnsafePointer<Float>?, packed: UnsafePointer<Float>?, halfNorms: UnsafePointer<Float>?,
             norms: UnsafePointer<Float>?) {
            shared = (SharedPointer(centers), SharedPointer(packed), SharedPointer(halfNorms), SharedPointer(norms))
        }

        var centers: UnsafePointer<Float>? { shared.centers.readOnly }
        var packed: UnsafePointer<Float>? { shared.packed.readOnly }
        var halfNorms: UnsafePointer<Float>? { shared.halfNorms.readOnly }
        var norms: UnsafePointer<Float>? { shared.norms.readOnly }
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        centers.withUnsafeBufferPointer { c in
            packed.withUnsafeBufferPointer { p in
                halfNorms.withUnsafeBufferPointer { h in
                    norms.withUnsafeBufferPointer { nr in
                        body(Pointers(centers: c.baseAddress, packed: p.baseAddress, halfNorms: h.baseAddress,
                                      norms: nr.baseAddress))
                    }
                }
            }
        }
    }
}

extension Matrix {
    /// Columns `range` of every row, as a new matrix (an empty range gives 0 columns).
    func columns(_ range: Range<Int>) -> Matrix {
        var values = [Float](repeating: 0, count: rows * range.count)
        self.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    for t in 0..<range.count { target[i * range.count + t] = source[i * columns + range.lowerBound + t] }
                }
            }
        }
        return Matrix(rows: rows, columns: range.count, values: values)
    }

    /// The first `count` columns of every row, as a new matrix.
    func leadingColumns(_ count: Int) -> Matrix {
        let width = Swift.min(count, columns)
        var values = [Float](repeating: 0, count: rows * width)
        self.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    for t in 0..<width { target[i * width + t] = source[i * columns + t] }
                }
            }
        }
        return Matrix(rows: rows, columns: width, values: values)
    }
}
