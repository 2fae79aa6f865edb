package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// requiredPackage is one resource plugin the program's npm packages ask for.
type requiredPackage struct {
	Name             string
	Version          string // always with a leading "v"
	Server           string
	Parameterization *parameterizationJS
}

// scanPackages finds the resource plugins required by the npm packages installed for the program in dir.
//
// It walks the program tree looking for node_modules directories (skipping hidden directories and nested
// policy packs, whose plugins are not the program's), and inside each node_modules reads the package.json
// of every package (and scoped package, and their own nested node_modules). A package asks for a plugin
// when its package.json has `"pulumi": {"resource": true}`; the plugin name is pulumi.name, or the package
// name without its @pulumi/ scope; the version is pulumi.version, or the package version.
//
// If the program tree holds no node_modules at all, the closest node_modules above dir is used instead,
// since that is where Node will resolve the program's imports from.
func scanPackages(dir string) ([]requiredPackage, error) {
	s := &scanner{visited: map[string]bool{}, seen: map[string]bool{}}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := s.walkProgramTree(abs); err != nil {
		return nil, err
	}
	if !s.sawNodeModules {
		if nm, ok := findNodeModules(filepath.Dir(abs)); ok {
			if err := s.walkNodeModules(nm); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(s.out, func(i, j int) bool {
		if s.out[i].Name != s.out[j].Name {
			return s.out[i].Name < s.out[j].Name
		}
		return s.out[i].Version < s.out[j].Version
	})
	return s.out, errors.Join(s.errs...)
}

type scanner struct {
	visited        map[string]bool // real paths of directories already walked (symlink loops)
	seen           map[string]bool // name@version already reported
	sawNodeModules bool
	out            []requiredPackage
	errs           []error
}

// enter resolves symlinks and reports whether dir is a directory not walked before.
func (s *scanner) enter(dir string) (string, bool) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", false
	}
	fi, err := os.Stat(real)
	if err != nil || !fi.IsDir() || s.visited[real] {
		return "", false
	}
	s.visited[real] = true
	return real, true
}

func isPolicyPack(dir string) bool {
	for _, f := range []string{"PulumiPolicy.yaml", "PulumiPolicy.yml", "PulumiPolicy.json"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

func (s *scanner) walkProgramTree(dir string) error {
	real, ok := s.enter(dir)
	if !ok {
		return nil
	}
	entries, err := os.ReadDir(real)
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		child := filepath.Join(dir, name)
		if name == "node_modules" {
			s.sawNodeModules = true
			if err := s.walkNodeModules(child); err != nil {
				s.errs = append(s.errs, err)
			}
			continue
		}
		if strings.HasPrefix(name, ".") || !isDirFollow(child) || isPolicyPack(child) {
			continue
		}
		if err := s.walkProgramTree(child); err != nil {
			s.errs = append(s.errs, err)
		}
	}
	return nil
}

func isDirFollow(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func (s *scanner) walkNodeModules(nm string) error {
	real, ok := s.enter(nm)
	if !ok {
		return nil
	}
	entries, err := os.ReadDir(real)
	if err != nil {
		return fmt.Errorf("reading %s: %w", nm, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") { // .bin, .package-lock.json, .cache
			continue
		}
		child := filepath.Join(real, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(child)
			if err != nil {
				continue
			}
			for _, se := range scoped {
				s.visitPackage(filepath.Join(child, se.Name()))
			}
			continue
		}
		s.visitPackage(child)
	}
	return nil
}

func (s *scanner) visitPackage(dir string) {
	if !isDirFollow(dir) {
		return
	}
	pjPath := filepath.Join(dir, "package.json")
	if _, err := os.Stat(pjPath); err == nil {
		pj, err := readPackageJSON(pjPath)
		if err != nil {
			s.errs = append(s.errs, err)
		} else if rp, ok, err := pluginOf(pj); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s: %w", pjPath, err))
		} else if ok {
			key := rp.Name + "@" + rp.Version
			if !s.seen[key] {
				s.seen[key] = true
				s.out = append(s.out, rp)
			}
		}
	}
	nested := filepath.Join(dir, "node_modules")
	if isDirFollow(nested) {
		if err := s.walkNodeModules(nested); err != nil {
			s.errs = append(s.errs, err)
		}
	}
}

// pluginOf derives the resource plugin a package.json asks for, if any.
func pluginOf(pj *packageJSON) (requiredPackage, bool, error) {
	if pj.Pulumi == nil || !pj.Pulumi.Resource {
		return requiredPackage{}, false, nil
	}
	name := pj.Pulumi.Name
	if name == "" {
		switch {
		case strings.HasPrefix(pj.Name, "@pulumi/"):
			name = strings.TrimPrefix(pj.Name, "@pulumi/")
		case pj.Name == "":
			return requiredPackage{}, false, errors.New(`missing "name"`)
		default:
			return requiredPackage{}, false, fmt.Errorf(
				`third-party package %q must name its plugin in "pulumi": {"name": ...}`, pj.Name)
		}
	}
	v := pj.Pulumi.Version
	if v == "" {
		v = pj.Version
	}
	if v == "" {
		return requiredPackage{}, false, errors.New(`missing "version"`)
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return requiredPackage{Name: name, Version: v, Server: pj.Pulumi.Server, Parameterization: pj.Pulumi.Parameterization}, true, nil
}
