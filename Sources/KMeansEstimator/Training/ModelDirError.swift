/// A model directory the training layer cannot use as it is (a broken `kmeans_params.json`, a checkpoint that does
/// not fit the model); the message names the file and the value and says what to do.
public struct ModelDirError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The one-line message.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
