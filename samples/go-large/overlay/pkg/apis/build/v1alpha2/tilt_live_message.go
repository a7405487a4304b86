// tilt-live bench overlay (samples/go-large/README.md): the message the controller's web answer says. The bench edits
// the return line: a one-line edit in the most imported package of kpack's own.
package v1alpha2

// TiltLiveMessage is not inlined, so that an edit of its body changes this package's object code but not its
// export data, as an edit inside most function bodies does: the packages that import this one stay cached.
//
//go:noinline
func TiltLiveMessage() string {
	return "v1"
}
