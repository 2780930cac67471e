package engines

// All lists every engine trawl knows. Add a new engine's constructor here.
func All() []Engine {
	return []Engine{
		DuckDuckGo{},
		Bing{},
		Google{},
		Yandex{},
		Baidu{},
		Ecosia{},
		Yahoo{},
		Brave{},
		Wikipedia{},
		Qwant{},
		Mojeek{},
		Startpage{},
	}
}
