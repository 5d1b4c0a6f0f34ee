import Foundation
import Testing
import KMeansCommands

/// What a user installing the tool gets: the version, shell completions.
@Suite("kmeans as an installed tool")
struct ToolTests {
    @Test("kmeans --version prints the library's version")
    func version() throws {
        let result = try Scratch().succeed(["--version"])
        #expect(result.stdout == KMeansTool.version + "\n")
    }

    @Test("completion scripts for bash, zsh and fish name the subcommands and their options")
    func completions() throws {
        let scratch = try Scratch()
        for shell in ["bash", "zsh", "fish"] {
            let script = try scratch.succeed(["--generate-completion-script", shell]).stdout
            #expect(script.contains("train") && script.contains("model-dir") && script.contains("workbench"), "\(shell)")
        }
    }
}
