// Every poll type the pages know, registered on import. A new type is one module and one line here.
import './single.js';
import './multiple.js';
import './scale.js';
import './text.js';
import './ranking.js';

export { pollType, definitionKey } from './registry.js';
