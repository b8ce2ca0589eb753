/// The version of Tally's programs: the one place `--version`, user agents and the install read it from.
public enum TallyVersion {
    public static let current = "0.2.0"
}
