// The points an empty cluster takes under `EmptyClusterPolicy.farthestPoint`.

/// The points farthest from their centres, farthest first.
public enum FarthestPoints {
    /// The indices of the `count` largest `distances`, largest first, ties to the lower index: the first `count`
    /// entries of the indices sorted by (distance descending, index ascending), found in one pass (a short sorted
    /// list of the best so far, so n·log n sorting — about 10 ms for 100k points — is not paid for the few points
    /// that are taken).
    public static func indices(_ count: Int, of distances: [Float]) -> [Int] {
        let wanted = min(max(count, 0), distances.count)
        guard wanted > 0 else { return [] }
        var top: [Int] = []
        top.reserveCapacity(wanted + 1)
        distances.withUnsafeBufferPointer { values in
            for i in 0..<values.count {
                let value = values[i]
                // An equal distance never displaces an earlier (lower) index.
                if top.count == wanted, !(value > values[top[wanted - 1]]) { continue }
                var position = top.count
                while position > 0, values[top[position - 1]] < value { position -= 1 }
                top.insert(i, at: position)
                if top.count > wanted { top.removeLast() }
            }
        }
        return top
    }
}
